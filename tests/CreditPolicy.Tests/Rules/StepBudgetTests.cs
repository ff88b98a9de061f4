using System.Diagnostics;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CreditPolicy.Tests.Rules;

/// <summary>The per-decision budget that stops rules doing unbounded work the sandbox cannot see at load.</summary>
public sealed class StepBudgetTests
{
    private static readonly Instant AsOf = Instant.FromUtc(2026, 11, 25, 10, 0);

    public static TheoryData<string> RunawayExpressions() => new()
    {
        "c.Grants.Sum(a => c.Grants.Sum(b => c.Grants.Count(x => x.Remaining > 0m))) > 0",
        "c.Grants.Sum(a => c.Grants.Distinct().Count()) > 0",
        "c.Grants.Sum(a => c.Grants.Sum(b => c.Available)) > 0m",
        "c.Grants.Count(a => c.Grants.OrderBy(b => b.Id).First().Id == a.Id) > 0",
        "c.Grants.Any(a => c.Grants.Any(b => c.Grants.Any(x => x.Id == a.Id + b.Id)))",
    };

    [Theory]
    [MemberData(nameof(RunawayExpressions))]
    public void Decide_RunawayRuleOnThousandsOfGrants_IsIndeterminateNamingTheRuleAndTheBudget(string expression)
    {
        var engine = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(RuleSet.Load(ExpressionSandboxTests.RuleDirectory(ExpressionSandboxTests.Rule("runaway-rule", expression), withBundled: true))));
        var clock = Stopwatch.StartNew();

        var decision = engine.Decide(Case(3_000, RequestTypes.Balance));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("runaway-rule", reason.Rule);
        Assert.Equal("B.1", reason.Clause);
        Assert.Contains("Rule 'runaway-rule' stopped: the decision exceeded its budget of 1,000,000 steps", reason.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RunawayExpressions))]
    public void Decide_SameRuleOnAFewGrants_Decides(string expression)
    {
        var engine = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(RuleSet.Load(ExpressionSandboxTests.RuleDirectory(ExpressionSandboxTests.Rule("runaway-rule", expression), withBundled: true))));

        var decision = engine.Decide(Case(12, RequestTypes.Balance));

        Assert.NotEqual(Outcome.Indeterminate, decision.Outcome);
        Assert.Equal(expression.EndsWith("x.Id == a.Id + b.Id)))", StringComparison.Ordinal) ? Outcome.Permit : Outcome.Deny, decision.Outcome);
    }

    [Fact]
    public void Decide_BundledRulesUnderATinyBudget_AreIndeterminateNamingTheRuleThatRanOut()
    {
        var engine = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(BundledRules.RuleSet), maxStepsPerDecision: 100);
        var c = Case(200, RequestTypes.Use, amount: 5m);

        var decision = engine.Decide(c);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        Assert.Equal("use-insufficient-credits", Assert.Single(decision.Reasons).Rule);
        Assert.Contains("budget of 100 steps", decision.Reasons[0].Message, StringComparison.Ordinal);
        Assert.Equal(Outcome.Permit, BundledRules.AlwaysInForce.Decide(c).Outcome);
    }

    [Fact]
    public void Decide_ManyDecisionsOnOneThread_EachGetsTheWholeBudget()
    {
        // Each decision takes about 400 steps (two use rules sum 200 grants): under 1,000 each, far over in total.
        var engine = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(BundledRules.RuleSet), maxStepsPerDecision: 1_000);
        var c = Case(200, RequestTypes.Use, amount: 5m);

        var outcomes = Enumerable.Range(0, 200).Select(_ => engine.Decide(c).Outcome).Distinct().ToArray();

        Assert.Equal([Outcome.Permit], outcomes);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Constructor_NonPositiveBudget_Throws(long budget)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CreditPolicyEngine(BundledRules.RuleSet, budget));
    }

    [Fact]
    public void AddCreditPolicy_MaxStepsPerDecision_ReachesTheEngine()
    {
        using var provider = new ServiceCollection()
            .AddCreditPolicy(o =>
            {
                o.RulesDirectory = TestPaths.Rules;
                o.MaxStepsPerDecision = 100;
            })
            .BuildServiceProvider();

        var engine = Assert.IsType<ReloadingCreditPolicy>(provider.GetRequiredService<ICreditPolicy>());

        Assert.Equal(100, engine.MaxStepsPerDecision);
        Assert.Equal(CreditPolicyOptions.DefaultMaxStepsPerDecision, new CreditPolicyOptions().MaxStepsPerDecision);
    }

    [Fact]
    public void AddCreditPolicy_ZeroMaxSteps_FailsValidationNamingTheOption()
    {
        using var provider = new ServiceCollection()
            .AddCreditPolicy(o =>
            {
                o.RulesDirectory = TestPaths.Rules;
                o.MaxStepsPerDecision = 0;
            })
            .BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ICreditPolicy>());

        Assert.Contains("CreditPolicyOptions.MaxStepsPerDecision must be greater than zero.", ex.Message, StringComparison.Ordinal);
    }

    private static CreditCase Case(int grants, string type, decimal? amount = null) => new(
        AsOf,
        new Account("acct_1", AccountStatuses.Open, null, "Etc/UTC", null),
        Enumerable.Range(0, grants)
            .Select(i => new Grant($"g{i:D5}", GrantKinds.Promotional, "acct_1", 1m, 1m, AsOf - Duration.FromDays(1 + i % 300), null, null, GrantSources.Promotion))
            .ToArray(),
        new CreditRequest(type, Amount: amount, RequestedBy: amount is null ? null : "acct_1"));
}
