using BenchmarkDotNet.Attributes;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy.Benchmarks;

/// <summary>How a <c>use</c> grows with the number of grants: it should grow linearly, up to the largest case the reader takes.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class ScalingBenchmarks
{
    private CreditPolicyEngine _engine = null!;
    private CreditCase _case = null!;

    [Params(5, 50, 500, 5_000, 30_000)]
    public int Grants { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var catalogue = RuleCatalogue.AlwaysInForce(RuleSet.Load(Cases.RulesDirectory));
        _engine = new CreditPolicyEngine(catalogue);
        _case = Cases.Read(catalogue, Cases.UseJson(Grants));
        var decision = _engine.Decide(_case);
        if (decision.Outcome != Outcome.Permit) throw new InvalidOperationException($"the use on {Grants} grants is {decision.Outcome}: {string.Join("; ", decision.Reasons.Select(r => r.Message))}");
    }

    [Benchmark]
    public Decision Use() => _engine.Decide(_case);
}
