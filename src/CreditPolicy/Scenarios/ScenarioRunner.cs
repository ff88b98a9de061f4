using System.Text.Json;
using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Rules.Effects;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Scenarios;

/// <summary>Finds the scenarios of a rule directory (<c>tests/permit</c>, <c>tests/deny</c>, <c>tests/indeterminate</c>), runs them and checks rule coverage.</summary>
internal static class ScenarioRunner
{
    /// <summary>The scenario folder inside a rule directory.</summary>
    public const string TestsFolder = "tests";

    private static readonly string[] ScenarioFields = ["$schema", "description", "case", "expect"];

    /// <summary>Every scenario file under <paramref name="scenarioDirectory"/>, in ordinal path order; unreadable files become failing results.</summary>
    /// <remarks>Files are read as a rule directory is (<see cref="RuleDirectorySnapshot"/>): only regular files, within the size limits.</remarks>
    public static (IReadOnlyList<Scenario> Scenarios, IReadOnlyList<ScenarioResult> Unreadable) Discover(string scenarioDirectory)
    {
        ArgumentNullException.ThrowIfNull(scenarioDirectory);
        return Discover(RuleDirectorySnapshot.Read(scenarioDirectory));
    }

    /// <summary>Every scenario file of a snapshot of a scenario folder; each entry the snapshot refused is an unreadable result.</summary>
    internal static (IReadOnlyList<Scenario> Scenarios, IReadOnlyList<ScenarioResult> Unreadable) Discover(RuleDirectorySnapshot tests)
    {
        var scenarios = new List<Scenario>();
        var unreadable = new List<ScenarioResult>();
        if (!tests.Exists) return (scenarios, unreadable);
        foreach (var file in tests.FilesUnder(""))
        {
            var (scenario, problem) = Read(file, tests.Bytes(file));
            if (scenario is not null) scenarios.Add(scenario);
            else unreadable.Add(new ScenarioResult(file, [problem!], null, []));
        }

        unreadable.AddRange(tests.Problems.Select(p => new ScenarioResult(p.File, [p.Message], null, [])));
        return (scenarios, unreadable);
    }

    /// <summary>Runs one scenario and compares the decision with its expectation.</summary>
    public static ScenarioResult Run(ScenarioSubject policy, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(scenario);
        var read = policy.Read(scenario.Case);
        if (!read.IsValid)
        {
            // Lines of the file: the case's own line numbers start where the case does.
            return new ScenarioResult(scenario.File, read.Problems.Select(p => "case: " + (p with { Line = p.Line + scenario.CaseLine - 1 })).ToArray(), null, []);
        }

        var evaluation = policy.Explain(read.Case!);
        var decision = evaluation.Decision;
        var failures = new List<string>();
        if (decision.Outcome != scenario.Expected)
        {
            failures.Add($"expected {DecisionJson.OutcomeName(scenario.Expected)}, got {DecisionJson.OutcomeName(decision.Outcome)} ({Cited(decision)})");
        }

        var actual = (JObject)JToken.ReadFrom(new JsonTextReader(new StringReader(DecisionJson.Serialize(decision, indented: false))) { FloatParseHandling = FloatParseHandling.Decimal, DateParseHandling = DateParseHandling.None });
        foreach (var (key, expected) in scenario.Expect)
        {
            if (key == "reasons")
            {
                var want = expected!.Select(t => (string)t!).ToArray();
                var got = decision.Reasons.Select(r => r.Rule).ToArray();
                if (!want.SequenceEqual(got, StringComparer.Ordinal))
                {
                    failures.Add($"reasons: expected [{string.Join(", ", want)}], got [{string.Join(", ", got)}]");
                }
            }
            else if (Mismatch(expected!, actual[key], key) is { } mismatch)
            {
                failures.Add(mismatch);
            }
        }

        return new ScenarioResult(scenario.File, failures, decision, evaluation.Trace);
    }

    /// <summary>Runs every scenario of one version of the terms and checks that every rule decides in one scenario and not in another.</summary>
    /// <remarks>The version decides every scenario as if it were in force at the scenario's <c>asOf</c>, whatever its <c>effectiveFrom</c>.</remarks>
    public static CheckReport Check(RuleSet ruleSet, string? scenarioDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        return Check(ruleSet, RuleDirectorySnapshot.Read(scenarioDirectory ?? Path.Combine(ruleSet.Directory, TestsFolder)));
    }

    private static CheckReport Check(RuleSet ruleSet, RuleDirectorySnapshot tests)
    {
        var results = RunAll(ScenarioSubject.Of(RuleCatalogue.AlwaysInForce(ruleSet)), tests);
        return new CheckReport(results, Coverage(ruleSet, results));
    }

    /// <summary>Checks every version of the terms (<see cref="Check(RuleSet, string?)"/>) and runs the scenarios across versions in the directory's top-level <c>tests/</c>.</summary>
    /// <remarks>Scenarios across versions are decided as a caller's case would be: by the version the account pins, else the one in force at <c>asOf</c>.</remarks>
    public static CatalogueCheckReport Check(RuleCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        // A catalogue loaded from a directory runs the scenarios of the snapshot it was compiled from, not a later edit.
        var tree = catalogue.Source ?? RuleDirectorySnapshot.Read(catalogue.Directory);
        var versions = catalogue.Versions
            .Select(v => new VersionCheckReport(v, Check(v, tree.Under(catalogue.IsVersioned ? $"{RuleConventions.VersionsFolder}/{Path.GetFileName(v.Directory)}/{TestsFolder}" : TestsFolder))))
            .ToArray();
        IReadOnlyList<ScenarioResult> across = catalogue.IsVersioned
            ? RunAll(ScenarioSubject.Of(catalogue), tree.Under(TestsFolder))
            : [];
        return new CatalogueCheckReport(catalogue, versions, across);
    }

    private static ScenarioResult[] RunAll(ScenarioSubject policy, RuleDirectorySnapshot tests)
    {
        var (scenarios, unreadable) = Discover(tests);
        return scenarios.Select(s => Run(policy, s)).Concat(unreadable).OrderBy(r => r.File, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The enabled rules lacking a scenario where they decide, or one where they run without deciding.</summary>
    /// <remarks>
    /// A grant rule decides in a scenario when it fires for some grant and does not when it runs for some
    /// grant without firing. A request rule decides when the decision cites it and does not when it runs
    /// uncited; a rule whose expression is the constant <c>true</c> does not decide in scenarios of other request types.
    /// </remarks>
    public static IReadOnlyList<CoverageGap> Coverage(RuleSet ruleSet, IEnumerable<ScenarioResult> results)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        var decides = ruleSet.Rules.ToDictionary(r => r.Name, _ => 0, StringComparer.Ordinal);
        var doesNot = ruleSet.Rules.ToDictionary(r => r.Name, _ => 0, StringComparer.Ordinal);
        foreach (var result in results.Where(r => r.Decision is not null))
        {
            var cited = result.Decision!.Reasons.Select(r => r.Rule).ToHashSet(StringComparer.Ordinal);
            var ran = result.Trace.GroupBy(t => t.Rule).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
            foreach (var rule in ruleSet.Rules)
            {
                if (rule.Scope == RuleConventions.Scopes.Grant)
                {
                    if (!ran.TryGetValue(rule.Name, out var runs)) continue;
                    if (runs.Any(t => t.Fired)) decides[rule.Name]++;
                    if (runs.Any(t => !t.Fired)) doesNot[rule.Name]++;
                }
                else if (cited.Contains(rule.Name))
                {
                    decides[rule.Name]++;
                }
                else if (ran.ContainsKey(rule.Name) || rule.Unconditional)
                {
                    // An unconditional rule cannot run without deciding: its boundary is appliesTo,
                    // so a scenario of another request type is where it does not decide.
                    doesNot[rule.Name]++;
                }
            }
        }

        return ruleSet.Rules
            .Where(r => r.Enabled && (decides[r.Name] == 0 || doesNot[r.Name] == 0))
            .Select(r => new CoverageGap(r.Name, r.File, decides[r.Name], doesNot[r.Name]))
            .ToArray();
    }

    private static (Scenario?, string?) Read(string file, byte[] bytes)
    {
        var folder = file.Split('/')[0];
        Outcome? expected = folder switch
        {
            "permit" => Outcome.Permit,
            "deny" => Outcome.Deny,
            "indeterminate" => Outcome.Indeterminate,
            _ => null,
        };
        if (expected is null || !file.Contains('/'))
        {
            return (null, "scenario files live in a folder named for the expected outcome: permit/, deny/ or indeterminate/");
        }

        var parseProblems = new List<RuleProblem>();
        var token = RuleJson.Parse(file, bytes, parseProblems);
        if (token is null) return (null, string.Join("; ", parseProblems.Select(p => (p.Line is { } l ? $"line {l}: " : "") + p.Message)));
        if (token is not JObject o) return (null, "expected an object with description, case and expect");
        var unknown = o.Properties().Select(p => p.Name).Where(n => !ScenarioFields.Contains(n)).ToArray();
        if (unknown.Length > 0) return (null, $"unknown field(s) {string.Join(", ", unknown)}; expected {string.Join(", ", ScenarioFields.Skip(1))}");
        if (o["case"] is not JObject @case) return (null, "case: required, the case object");
        if (o["expect"] is not JObject expect) return (null, "expect: required, with at least reasons (the rule names the decision cites, in order)");
        if (expect["reasons"] is not JArray reasons || reasons.Any(r => r.Type != JTokenType.String))
        {
            return (null, "expect.reasons: required, an array of rule names");
        }

        var allowed = new[] { "reasons" }.Concat(EffectModules.All.Select(e => e.Name)).Append("rules").ToArray();
        var extra = expect.Properties().Select(p => p.Name).Where(n => !allowed.Contains(n)).ToArray();
        if (extra.Length > 0) return (null, $"expect: unknown field(s) {string.Join(", ", extra)}; expected some of {string.Join(", ", allowed)}");
        var description = o["description"] is JValue { Type: JTokenType.String } d ? (string)d! : "";
        var (caseBytes, caseLine) = CaseSlice(bytes);
        return (new Scenario(file, expected.Value, description, caseBytes, caseLine, expect), null);
    }

    /// <summary>Compares expected JSON with the decision's: objects match on the keys the expectation names, arrays in order, numbers by value.</summary>
    private static string? Mismatch(JToken expected, JToken? actual, string path)
    {
        if (actual is null) return $"{path}: expected {expected.ToString(Formatting.None)}, but the decision has no such field";
        switch (expected)
        {
            case JObject eo when actual is JObject ao:
                foreach (var (k, v) in eo)
                {
                    if (Mismatch(v!, ao[k], $"{path}.{k}") is { } m) return m;
                }

                return null;
            case JArray ea when actual is JArray aa:
                if (ea.Count != aa.Count) return $"{path}: expected {ea.Count} entries, got {aa.Count}: {aa.ToString(Formatting.None)}";
                for (var i = 0; i < ea.Count; i++)
                {
                    if (Mismatch(ea[i], aa[i], $"{path}[{i}]") is { } m) return m;
                }

                return null;
            case JValue ev when actual is JValue av:
                var equal = ev.Type is JTokenType.Integer or JTokenType.Float && av.Type is JTokenType.Integer or JTokenType.Float
                    ? Convert.ToDecimal(ev.Value, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToDecimal(av.Value, System.Globalization.CultureInfo.InvariantCulture)
                    : JToken.DeepEquals(ev, av);
                return equal ? null : $"{path}: expected {ev.ToString(Formatting.None)}, got {av.ToString(Formatting.None)}";
            default:
                return $"{path}: expected {expected.ToString(Formatting.None)}, got {actual.ToString(Formatting.None)}";
        }
    }

    /// <summary>The bytes of the top-level <c>case</c> value exactly as written, and the line it starts on.</summary>
    private static (ReadOnlyMemory<byte> Bytes, int Line) CaseSlice(byte[] file)
    {
        var offset = file.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var r = new Utf8JsonReader(file.AsSpan(offset));
        r.Read();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var isCase = r.ValueTextEquals("case"u8);
            r.Read();
            var start = (int)r.TokenStartIndex;
            r.Skip();
            if (!isCase) continue;
            var end = (int)r.BytesConsumed;
            var line = file.AsSpan(0, offset + start).Count((byte)'\n') + 1;
            return (file.AsMemory(offset + start, end - start), line);
        }

        return (ReadOnlyMemory<byte>.Empty, 1);
    }

    private static string Cited(Decision d) => d.Reasons.Count == 0 ? "no reasons" : string.Join(", ", d.Reasons.Select(r => r.Rule));
}

/// <summary>What scenarios run against: reading a case and explaining its decision (the rules, or an independent oracle in tests).</summary>
/// <param name="Read">Reads a case's UTF-8 JSON against the vocabulary that decides it.</param>
/// <param name="Explain">Decides a case, with every rule run.</param>
internal sealed record ScenarioSubject(Func<ReadOnlyMemory<byte>, CaseReadResult> Read, Func<CreditCase, Explanation> Explain)
{
    /// <summary>The rules of a catalogue, decided and recorded as an <see cref="ICreditPolicy"/> over them would.</summary>
    public static ScenarioSubject Of(RuleCatalogue catalogue) => new(
        bytes => catalogue.ReadCase(bytes.Span),
        @case =>
        {
            var trace = new List<TraceEntry>();
            var decision = PolicyEvaluator.Evaluate(catalogue, @case, trace);
            return new Explanation(Records.DecisionRecords.Stamp(decision, PolicyEvaluator.AsDecidedBy(catalogue, @case)), trace);
        });
}
