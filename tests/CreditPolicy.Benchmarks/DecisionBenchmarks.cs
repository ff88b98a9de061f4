using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Tests.Oracle;

namespace CreditPolicy.Benchmarks;

/// <summary>
/// One decision, three ways, grouped by case: the hand-written oracle (the baseline: plain C# of the same terms),
/// the compiled path <see cref="CreditPolicyEngine.Decide"/> uses, and the same rules through RulesEngine's stock
/// <c>ExecuteAllRulesAsync</c>. Ratios are against the oracle measured in the same run.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MedianColumn]
public class DecisionBenchmarks
{
    private CreditPolicyEngine _engine = null!;
    private RuleCatalogue _catalogue = null!;
    private StockRulesEngineRunner _stock = null!;
    private CreditCase _refund = null!, _use5 = null!, _use50 = null!, _reload5 = null!, _close50 = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The bundled terms (in force at every instant): the terms the oracle implements.
        _catalogue = RuleCatalogue.AlwaysInForce(RuleSet.Load(Cases.RulesDirectory));
        _engine = new CreditPolicyEngine(_catalogue);
        _stock = new StockRulesEngineRunner(_catalogue);
        (_refund, _use5, _use50, _reload5, _close50) = (Read(Cases.RefundJson()), Read(Cases.UseJson(5)), Read(Cases.UseJson(50)), Read(Cases.ReloadJson(5)), Read(Cases.CloseJson(50)));
        foreach (var c in new[] { _refund, _use5, _use50, _reload5, _close50 })
        {
            var compiled = _engine.Decide(c);
            if (compiled.Outcome != TermsOracle.Decide(c).Outcome || compiled.Outcome != PolicyEvaluator.Evaluate(_catalogue, c, null, stock: _stock).Outcome)
            {
                throw new InvalidOperationException($"the three ways disagree on the {c.Request.Type} case");
            }

            // Each case is the decision it is named for: a use that draws on its grants, a refund denied by A.1 (not a
            // case that fails early on an expired grant or a missing field, which would measure a shorter path).
            var expected = c.Request.Type == "refund" ? Outcome.Deny : Outcome.Permit;
            if (compiled.Outcome != expected)
            {
                throw new InvalidOperationException($"the {c.Request.Type} case is {compiled.Outcome}, not {expected}: {string.Join("; ", compiled.Reasons.Select(r => r.Message))}");
            }
        }
    }

    private CreditCase Read(string json) => Cases.Read(_catalogue, json);

    /// <summary>The compiled decision before its record (the canonical case and its two sha256 digests) is stamped on it:
    /// the difference to <see cref="CreditPolicyEngine.Decide"/> is the record's share of a decision.</summary>
    private Decision WithoutRecord(CreditCase c) => PolicyEvaluator.Evaluate(_catalogue, PolicyEvaluator.AsDecidedBy(_catalogue, c), null);

    [BenchmarkCategory("refund, 1 grant"), Benchmark(Baseline = true)] public Decision Refund_Oracle() => TermsOracle.Decide(_refund);
    [BenchmarkCategory("refund, 1 grant"), Benchmark] public Decision Refund_Compiled() => _engine.Decide(_refund);
    [BenchmarkCategory("refund, 1 grant"), Benchmark] public Decision Refund_CompiledWithoutRecord() => WithoutRecord(_refund);
    [BenchmarkCategory("refund, 1 grant"), Benchmark] public Decision Refund_StockRulesEngine() => PolicyEvaluator.Evaluate(_catalogue, _refund, null, stock: _stock);

    [BenchmarkCategory("use, 5 grants"), Benchmark(Baseline = true)] public Decision Use5_Oracle() => TermsOracle.Decide(_use5);
    [BenchmarkCategory("use, 5 grants"), Benchmark] public Decision Use5_Compiled() => _engine.Decide(_use5);
    [BenchmarkCategory("use, 5 grants"), Benchmark] public Decision Use5_CompiledWithoutRecord() => WithoutRecord(_use5);
    [BenchmarkCategory("use, 5 grants"), Benchmark] public Decision Use5_StockRulesEngine() => PolicyEvaluator.Evaluate(_catalogue, _use5, null, stock: _stock);

    [BenchmarkCategory("use, 50 grants"), Benchmark(Baseline = true)] public Decision Use50_Oracle() => TermsOracle.Decide(_use50);
    [BenchmarkCategory("use, 50 grants"), Benchmark] public Decision Use50_Compiled() => _engine.Decide(_use50);
    [BenchmarkCategory("use, 50 grants"), Benchmark] public Decision Use50_StockRulesEngine() => PolicyEvaluator.Evaluate(_catalogue, _use50, null, stock: _stock);

    [BenchmarkCategory("reload, 5 grants"), Benchmark(Baseline = true)] public Decision Reload5_Oracle() => TermsOracle.Decide(_reload5);
    [BenchmarkCategory("reload, 5 grants"), Benchmark] public Decision Reload5_Compiled() => _engine.Decide(_reload5);
    [BenchmarkCategory("reload, 5 grants"), Benchmark] public Decision Reload5_StockRulesEngine() => PolicyEvaluator.Evaluate(_catalogue, _reload5, null, stock: _stock);

    [BenchmarkCategory("closeAccount, 50 grants"), Benchmark(Baseline = true)] public Decision Close50_Oracle() => TermsOracle.Decide(_close50);
    [BenchmarkCategory("closeAccount, 50 grants"), Benchmark] public Decision Close50_Compiled() => _engine.Decide(_close50);
    [BenchmarkCategory("closeAccount, 50 grants"), Benchmark] public Decision Close50_StockRulesEngine() => PolicyEvaluator.Evaluate(_catalogue, _close50, null, stock: _stock);
}
