using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CreditPolicy.Json;
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
    private CreditPolicyEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _json = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Cases.RulesDirectory)!, "examples", "use.json"));
        _engine = new CreditPolicyEngine(RuleCatalogue.Load(Cases.RulesDirectory));
    }

    /// <summary>Parse and serialise around the oracle: the same JSON work with the plainest possible decision in the middle.</summary>
    [BenchmarkCategory("evaluate: JSON in, JSON out"), Benchmark(Baseline = true)]
    public string Evaluate_Oracle() => DecisionJson.Serialize(TermsOracle.Decide(CaseJson.Read(_json).Case!), indented: false);

    [BenchmarkCategory("evaluate: JSON in, JSON out"), Benchmark]
    public string Evaluate_Compiled() => DecisionJson.Serialize(_engine.Decide(CaseJson.Read(_json).Case!), indented: false);

    /// <summary>Read, validate and compile every rule of every bundled version (what a start-up or a reload costs).</summary>
    [BenchmarkCategory("load rules/"), Benchmark]
    public RuleCatalogue LoadAllRules() => RuleCatalogue.Load(Cases.RulesDirectory);
}
