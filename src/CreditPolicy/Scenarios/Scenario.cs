using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Scenarios;

/// <summary>One scenario file: a case and what the decision must be. The folder it sits in names the expected outcome.</summary>
/// <param name="File">The path relative to the scenario directory, for example <c>deny/refund-denied.json</c>.</param>
/// <param name="Expected">The outcome named by the folder (<c>permit</c>, <c>deny</c>, <c>indeterminate</c>).</param>
/// <param name="Description">What the scenario shows, for a person.</param>
/// <param name="Case">The case as written in the file: its UTF-8 bytes, read against the vocabulary of the version that decides it.</param>
/// <param name="CaseLine">The line of the file on which the case starts, so its problems name lines of the file.</param>
/// <param name="Expect">The <c>expect</c> object: <c>reasons</c> (rule names, in order) and any decision fields to match.</param>
internal sealed record Scenario(string File, Outcome Expected, string Description, ReadOnlyMemory<byte> Case, int CaseLine, JObject Expect);

/// <summary>The result of running one scenario.</summary>
/// <param name="File">The scenario file, relative to the scenario directory.</param>
/// <param name="Failures">Every way the decision differed from the expectation; empty when it passed.</param>
/// <param name="Decision">The decision, when the case could be decided.</param>
/// <param name="Trace">Every rule run, in order.</param>
internal sealed record ScenarioResult(string File, IReadOnlyList<string> Failures, Decision? Decision, IReadOnlyList<TraceEntry> Trace)
{
    /// <summary>Whether the decision matched the expectation.</summary>
    public bool Passed => Failures.Count == 0;
}

/// <summary>A rule that lacks a scenario where it decides, or one where it runs and does not.</summary>
/// <param name="Rule">The rule name.</param>
/// <param name="File">The rule's file.</param>
/// <param name="Decides">How many scenarios it decided in.</param>
/// <param name="DoesNotDecide">How many scenarios it ran in without deciding.</param>
internal sealed record CoverageGap(string Rule, string File, int Decides, int DoesNotDecide)
{
    /// <summary>What is missing, for a person: which scenario to add.</summary>
    public string Problem => Decides == 0
        ? "decides in no scenario; add one under tests/ where it does"
        : "runs in no scenario without deciding; add one where it runs and another rule decides";

    /// <inheritdoc />
    public override string ToString() => $"rule '{Rule}' ({File}) {Problem}";
}

/// <summary>What <c>creditpolicy check</c> found: every scenario's result and every rule without coverage.</summary>
/// <param name="Results">One per scenario file, in path order.</param>
/// <param name="Gaps">Rules without a scenario where they decide and one where they do not.</param>
internal sealed record CheckReport(IReadOnlyList<ScenarioResult> Results, IReadOnlyList<CoverageGap> Gaps)
{
    /// <summary>Scenarios that passed.</summary>
    public int Passed => Results.Count(r => r.Passed);

    /// <summary>Scenarios that failed, plus coverage gaps.</summary>
    public int Failed => Results.Count(r => !r.Passed) + Gaps.Count;

    /// <summary>Whether every scenario passed and every rule is covered.</summary>
    public bool Succeeded => Failed == 0;
}

/// <summary>What <c>creditpolicy check</c> found for one version of the terms: its own scenarios, run as if the version were in force, and its coverage.</summary>
/// <param name="Version">The version checked.</param>
/// <param name="Report">Its scenarios' results and coverage gaps.</param>
internal sealed record VersionCheckReport(RuleSet Version, CheckReport Report)
{
    /// <summary>Scenarios that failed and coverage gaps, plus one when the version has no scenarios at all.</summary>
    public int Failed => Report.Failed + (Report.Results.Count == 0 ? 1 : 0);

    /// <summary>Whether the version has scenarios, every one passed and every rule is covered.</summary>
    public bool Succeeded => Failed == 0;
}

/// <summary>What <c>creditpolicy check</c> found for a whole rule directory: every version's report and the scenarios that run across versions.</summary>
/// <param name="Catalogue">The rule directory checked.</param>
/// <param name="Versions">One report per version, in order of taking effect.</param>
/// <param name="AcrossVersions">For a directory with <c>versions/</c>: the results of its top-level <c>tests/</c>, each case decided by the version that applies to it.</param>
internal sealed record CatalogueCheckReport(RuleCatalogue Catalogue, IReadOnlyList<VersionCheckReport> Versions, IReadOnlyList<ScenarioResult> AcrossVersions)
{
    /// <summary>Scenarios that passed, over every version and across versions.</summary>
    public int Passed => Versions.Sum(v => v.Report.Passed) + AcrossVersions.Count(r => r.Passed);

    /// <summary>Scenarios that failed, coverage gaps, and versions without scenarios.</summary>
    public int Failed => Versions.Sum(v => v.Failed) + AcrossVersions.Count(r => !r.Passed);

    /// <summary>Whether every version has scenarios, every scenario passed and every rule is covered.</summary>
    public bool Succeeded => Failed == 0;

    /// <summary>Every failure as a problem naming its file relative to the rule directory, for example <c>versions/2026-11-24/tests/permit/use.json</c>.</summary>
    public IReadOnlyList<RuleProblem> Problems()
    {
        var problems = new List<RuleProblem>();
        foreach (var (version, report) in Versions)
        {
            var folder = VersionFolder(version);
            foreach (var result in report.Results.Where(r => !r.Passed))
            {
                problems.AddRange(result.Failures.Select(f => new RuleProblem($"{folder}{ScenarioRunner.TestsFolder}/{result.File}", null, null, f)));
            }

            problems.AddRange(report.Gaps.Select(g => new RuleProblem(folder + g.File, null, g.Rule, g.Problem)));
            if (report.Results.Count == 0)
            {
                problems.Add(new RuleProblem(folder + ScenarioRunner.TestsFolder, null, null, "no scenarios: every version needs scenarios under tests/permit, tests/deny or tests/indeterminate"));
            }
        }

        foreach (var result in AcrossVersions.Where(r => !r.Passed))
        {
            problems.AddRange(result.Failures.Select(f => new RuleProblem($"{ScenarioRunner.TestsFolder}/{result.File}", null, null, f)));
        }

        return problems;
    }

    /// <summary>The folder of a version relative to the rule directory, with a trailing slash; empty for a directory of one version.</summary>
    public string VersionFolder(RuleSet version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return Catalogue.IsVersioned ? $"{RuleConventions.VersionsFolder}/{Path.GetFileName(version.Directory)}/" : "";
    }
}
