using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy.Tests.Evaluation;

/// <summary>The compiled path against RulesEngine's stock <c>ExecuteAllRulesAsync</c> on the same rules: they must decide alike, byte for byte.</summary>
public sealed class StockRulesEngineRunnerTests
{
    private const int Seed = 20261125;

    public static TheoryData<string> Catalogues => new() { "bundled terms", "versioning example" };

    [Theory]
    [MemberData(nameof(Catalogues))]
    public void Evaluate_GeneratedCases_CompiledAndStockPathsGiveTheSameBytes(string which)
    {
        var catalogue = RuleCatalogue.Load(which == "bundled terms" ? TestPaths.Rules : TestPaths.VersionedRules);
        var stock = new StockRulesEngineRunner(catalogue);
        var decided = new Dictionary<Outcome, int>();

        foreach (var generated in new EdgeCaseGenerator(Seed).GenerateMany(1_000))
        {
            var @case = generated.Read(catalogue);
            var fast = DecisionJson.Serialize(PolicyEvaluator.Evaluate(catalogue, @case, null), indented: false);
            var slow = PolicyEvaluator.Evaluate(catalogue, @case, null, stock: stock);

            Assert.True(fast == DecisionJson.Serialize(slow, indented: false), $"{generated.Origin}: the paths differ{Environment.NewLine}compiled: {fast}{Environment.NewLine}stock:    {DecisionJson.Serialize(slow, indented: false)}");
            decided[slow.Outcome] = decided.GetValueOrDefault(slow.Outcome) + 1;
        }

        // The corpus exercises both outcomes, so agreement is not agreement on nothing.
        Assert.True(decided.GetValueOrDefault(Outcome.Permit) > 100 && decided.GetValueOrDefault(Outcome.Deny) > 100, string.Join(", ", decided));
    }

    [Fact]
    public void Evaluate_RuleThatThrows_IsIndeterminateOnTheStockPathToo()
    {
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        var cashValue = Path.Combine(dir, "cash-value.json");
        File.WriteAllText(cashValue, File.ReadAllText(cashValue).Replace("\"Expression\": \"true\"", "\"Expression\": \"c.Target.Amount / (c.Target.Remaining - c.Target.Remaining) > 0m\"", StringComparison.Ordinal));
        var catalogue = RuleCatalogue.AlwaysInForce(RuleSet.Load(dir));
        var @case = catalogue.ReadCase(File.ReadAllText(Path.Combine(TestPaths.Examples, "refund.json"))).GetCaseOrThrow("refund.json");

        var fast = PolicyEvaluator.Evaluate(catalogue, @case, null);
        var slow = PolicyEvaluator.Evaluate(catalogue, @case, null, stock: new StockRulesEngineRunner(catalogue));

        Assert.Equal(Outcome.Indeterminate, fast.Outcome);
        Assert.Equal(Outcome.Indeterminate, slow.Outcome);
        Assert.Equal("refund-denied", Assert.Single(slow.Reasons).Rule);
        Assert.Contains("DivideByZeroException", fast.Reasons[0].Message, StringComparison.Ordinal);
        Assert.Contains("divide by zero", slow.Reasons[0].Message, StringComparison.OrdinalIgnoreCase);
    }
}
