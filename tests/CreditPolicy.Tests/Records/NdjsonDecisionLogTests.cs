using CreditPolicy.Json;
using CreditPolicy.Records;
using CreditPolicy.Rules;
using CreditPolicy.Scenarios;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Records;

public sealed class NdjsonDecisionLogTests
{
    private static IReadOnlyList<Model.CreditCase> ScenarioCases()
    {
        var (scenarios, _) = ScenarioRunner.Discover(Path.Combine(TestPaths.CurrentTerms, ScenarioRunner.TestsFolder));
        return scenarios.Select(s => CaseJson.FromToken(s.Case).GetCaseOrThrow(s.File)).ToArray();
    }

    [Fact]
    public void Write_EveryBundledScenario_OneValidJsonLinePerDecision()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var cases = ScenarioCases();
        using (var log = new NdjsonDecisionLog(path))
        {
            var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
            foreach (var c in cases) engine.Decide(c);
        }

        var lines = File.ReadAllText(path).Split('\n');
        Assert.Equal("", lines[^1]);
        Assert.Equal(cases.Count, lines.Length - 1);
        foreach (var line in lines[..^1])
        {
            var o = JObject.Parse(line);
            Assert.Equal(["case", "decision"], o.Properties().Select(p => p.Name));
            Assert.StartsWith("dec_", (string?)o["decision"]!["record"]!["id"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_LogOfEveryBundledScenario_ReEvaluatesToTheSameBytes()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        using (var log = new NdjsonDecisionLog(path))
        {
            var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
            foreach (var c in ScenarioCases()) engine.Decide(c);
        }

        using var reader = File.OpenText(path);
        var entries = NdjsonDecisionLog.Read(reader).ToArray();

        Assert.Equal(ScenarioCases().Count, entries.Length);
        var replay = new CreditPolicyEngine(RuleSet.Load(TestPaths.CurrentTerms));
        foreach (var entry in entries)
        {
            Assert.Equal(entry.Decision, DecisionJson.Serialize(replay.Decide(entry.Case), indented: false));
        }
    }

    [Fact]
    public void Write_ExistingFile_Appends()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var @case = TestCases.Example("use.json");
        for (var run = 0; run < 2; run++)
        {
            using var log = new NdjsonDecisionLog(path);
            new CreditPolicyEngine(BundledRules.RuleSet, log).Decide(@case);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Equal(lines[0], lines[1]);
    }

    [Fact]
    public void Write_FromSeveralThreadsAtOnce_WritesWholeLines()
    {
        const int threads = 8;
        const int perThread = 250;
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var cases = ScenarioCases();
        using (var log = new NdjsonDecisionLog(path))
        {
            var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < perThread; i++) engine.Decide(cases[(t * perThread + i) % cases.Count]);
            })).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
        }

        using var reader = File.OpenText(path);
        var entries = NdjsonDecisionLog.Read(reader).ToArray();
        Assert.Equal(threads * perThread, entries.Length);
        var expected = cases.Select(c => NdjsonDecisionLog.Line(c, new CreditPolicyEngine(BundledRules.RuleSet).Decide(c))).ToHashSet(StringComparer.Ordinal);
        Assert.All(File.ReadAllLines(path), line => Assert.Contains(line, expected));
    }

    [Fact]
    public void Read_LineThatIsNotALogLine_ThrowsNamingTheLine()
    {
        var log = NdjsonDecisionLog.Line(TestCases.Example("use.json"), new CreditPolicyEngine(BundledRules.RuleSet).Decide(TestCases.Example("use.json")))
            + "\n\n{\"case\": 5}\n";

        var ex = Assert.Throws<InvalidDataException>(() => NdjsonDecisionLog.Read(new StringReader(log)).ToArray());

        Assert.Equal("decision log line 3: expected an object with case and decision", ex.Message);
    }

    [Fact]
    public void Write_AfterDispose_Throws()
    {
        var log = new NdjsonDecisionLog(Path.Combine(TestCases.TempDirectory(), "decisions.ndjson"));
        log.Dispose();

        Assert.Throws<ObjectDisposedException>(() => log.Write(TestCases.Example("use.json"), new CreditPolicyEngine(BundledRules.RuleSet).Decide(TestCases.Example("use.json"))));
    }
}
