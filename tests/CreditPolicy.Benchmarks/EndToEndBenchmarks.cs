using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CreditPolicy.Evaluation;
using CreditPolicy.Rules;
using CreditPolicy.Tests.Oracle;

namespace CreditPolicy.Benchmarks;

/// <summary>What a caller pays end to end: JSON case in, decision JSON out (with its record); and loading the rules.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MedianColumn]
public class EndToEndBenchmarks
{
    private string _json = null!;
    private byte[] _utf8 = null!;
    private CreditPolicyEngine _engine = null!;
    private Model.CreditCase _case = null!;
    private Model.Decision _decision = null!;

    [GlobalSetup]
    public void Setup()
    {
        _json = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Cases.RulesDirectory)!, "examples", "use.json"));
        _utf8 = System.Text.Encoding.UTF8.GetBytes(_json);
        _engine = new CreditPolicyEngine(RuleCatalogue.Load(Cases.RulesDirectory));
        _case = _engine.ReadCase(_utf8).Case!;
        _decision = _engine.Decide(_case);
    }

    /// <summary>Parse and serialise around the oracle: the same JSON work with the plainest possible decision in the middle.</summary>
    [BenchmarkCategory("evaluate: JSON in, JSON out"), Benchmark(Baseline = true)]
    public string Evaluate_Oracle() => DecisionJson.Serialize(TermsOracle.Decide(_engine.ReadCase(_utf8).Case!), indented: false);

    [BenchmarkCategory("evaluate: JSON in, JSON out"), Benchmark]
    public string Evaluate_Compiled() => DecisionJson.Serialize(_engine.Decide(_engine.ReadCase(_utf8).Case!), indented: false);

    /// <summary>The parts of that: reading the case, and the decision's record (the canonical case and its sha256).</summary>
    [BenchmarkCategory("parts of evaluate"), Benchmark]
    public Model.CreditCase ReadCase() => _engine.ReadCase(_utf8).Case!;

    [BenchmarkCategory("parts of evaluate"), Benchmark]
    public Model.DecisionRecord Record() => Records.DecisionRecords.Compute(_case, _decision.Rules);

    [BenchmarkCategory("parts of evaluate"), Benchmark]
    public string WriteDecision() => DecisionJson.Serialize(_decision, indented: false);

    /// <summary>Read, validate and compile every rule of every bundled version (what a start-up or a reload costs).</summary>
    [BenchmarkCategory("load rules/"), Benchmark]
    public RuleCatalogue LoadAllRules() => RuleCatalogue.Load(Cases.RulesDirectory);
}
