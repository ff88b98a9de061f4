using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Scenarios;

/// <summary>One scenario file: a case and what the decision must be. The folder it sits in names the expected outcome.</summary>
/// <param name="File">The path relative to the scenario directory, for example <c>deny/refund-denied.json</c>.</param>
/// <param name="Expected">The outcome named by the folder (<c>permit</c>, <c>deny</c>, <c>indeterminate</c>).</param>
/// <param name="Description">What the scenario shows, for a person.</param>
/// <param name="Case">The case as JSON.</param>
/// <param name="Expect">The <c>expect</c> object: <c>reasons</c> (rule names, in order) and any decision fields to match.</param>
public sealed record Scenario(string File, Outcome Expected, string Description, JToken Case, JObject Expect);

/// <summary>The result of running one scenario.</summary>
/// <param name="File">The scenario file, relative to the scenario directory.</param>
/// <param name="Failures">Every way the decision differed from the expectation; empty when it passed.</param>
/// <param name="Decision">The decision, when the case could be decided.</param>
/// <param name="Trace">Every rule run, in order.</param>
public sealed record ScenarioResult(string File, IReadOnlyList<string> Failures, Decision? Decision, IReadOnlyList<TraceEntry> Trace)
{
    /// <summary>Whether the decision matched the expectation.</summary>
    public bool Passed => Failures.Count == 0;
}

/// <summary>A rule that lacks a scenario where it decides, or one where it runs and does not.</summary>
/// <param name="Rule">The rule name.</param>
/// <param name="File">The rule's file.</param>
/// <param name="Decides">How many scenarios it decided in.</param>
/// <param name="DoesNotDecide">How many scenarios it ran in without deciding.</param>
public sealed record CoverageGap(string Rule, string File, int Decides, int DoesNotDecide)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"rule '{Rule}' ({File}) " + (Decides == 0
            ? "decides in no scenario; add one under rules/tests/ where it does"
            : "runs in no scenario without deciding; add one where it runs and another rule decides");
}

/// <summary>What <c>creditpolicy check</c> found: every scenario's result and every rule without coverage.</summary>
/// <param name="Results">One per scenario file, in path order.</param>
/// <param name="Gaps">Rules without a scenario where they decide and one where they do not.</param>
public sealed record CheckReport(IReadOnlyList<ScenarioResult> Results, IReadOnlyList<CoverageGap> Gaps)
{
    /// <summary>Scenarios that passed.</summary>
    public int Passed => Results.Count(r => r.Passed);

    /// <summary>Scenarios that failed, plus coverage gaps.</summary>
    public int Failed => Results.Count(r => !r.Passed) + Gaps.Count;

    /// <summary>Whether every scenario passed and every rule is covered.</summary>
    public bool Succeeded => Failed == 0;
}
