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

        var decision = engine.Decide(Case(3_000, "balance"));

        // Unbounded, these run for hours; bounded, about a second. The limit is generous for a machine shared with other builds.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
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

        var decision = engine.Decide(Case(12, "balance"));

        Assert.NotEqual(Outcome.Indeterminate, decision.Outcome);
        Assert.Equal(expression.EndsWith("x.Id == a.Id + b.Id)))", StringComparison.Ordinal) ? Outcome.Permit : Outcome.Deny, decision.Outcome);
    }

    [Fact]
    public void Decide_BundledRulesUnderATinyBudget_AreIndeterminateNamingTheRuleThatRanOut()
    {
        var engine = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(BundledRules.RuleSet), maxStepsPerDecision: 100);
        var c = Case(200, "use", amount: 5m);

        var decision = engine.Decide(c);

        // c.Available in use-insufficient-credits starts the grant rules, and an expiry rule (every string comparison is a step) runs out.
        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        var rule = Assert.Single(BundledRules.RuleSet.Rules, r => r.Name == reason.Rule);
        Assert.Equal(("grant", "expiry"), (rule.Scope, rule.Effect));
        Assert.StartsWith($"Rule '{reason.Rule}' (for grant '{reason.GrantId}') stopped: the decision exceeded its budget of 100 steps", reason.Message, StringComparison.Ordinal);
        Assert.Equal(Outcome.Permit, BundledRules.AlwaysInForce.Decide(c).Outcome);
    }

    [Fact]
    public void Decide_ManyDecisionsOnOneThread_EachGetsTheWholeBudget()
    {
        // Each decision takes a few hundred steps (grant rules and two sums over 20 grants): under 1,000 each, far over in total.
        var engine = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(BundledRules.RuleSet), maxStepsPerDecision: 1_000);
        var c = Case(20, "use", amount: 5m);

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

    /// <summary>A string as long as the bundled vocabulary lets a case make it (256 characters), distinct per index.</summary>
    private static string Longest(string prefix, int i) => (prefix + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)).PadRight(256, 'x');

    [Fact]
    public void Decide_StringWorkOverLongCaseStringsInALambdaOverManyGrants_StopsWithinABoundedTimeAndMemory()
    {
        // Issue 8: Contains, ToUpperInvariant and concatenation over case-supplied strings ran for tens of seconds and 2.8 GB.
        // Now each is paid for by its length (32 characters a step) and case strings are at most their declared maxLength.
        const string Expression = "c.Grants.Any(a => c.Grants.Any(b => (a.Id.ToUpperInvariant() + b.HolderAccountId + a.Id).Contains(c.Account.Id.ToLowerInvariant() + \"#\")))";
        var engine = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(RuleSet.Load(ExpressionSandboxTests.RuleDirectory(ExpressionSandboxTests.Rule("string-runaway", Expression), withBundled: true))));
        var builder = new CaseBuilder().AsOf(AsOf).Account("id", Longest("acct", 0));
        for (var i = 0; i < 4_000; i++)
        {
            builder.With(CaseBuilder.Grant(Longest("g", i), "promotional", 1m, "2026-06-01T00:00:00Z", holder: Longest("holder", i)));
        }

        var @case = builder.Of("balance");
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();

        var decision = engine.Decide(@case);

        clock.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("string-runaway", reason.Rule);
        Assert.Contains("exceeded its budget of 1,000,000 steps", reason.Message, StringComparison.Ordinal);

        // Measured at about 0.1 s and 60 MB; the bounds leave room for a slow machine shared with other builds.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.True(allocated < 512L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Decide_SameStringWorkOnAFewShortStrings_Decides()
    {
        const string Expression = "c.Grants.Any(a => c.Grants.Any(b => (a.Id.ToUpperInvariant() + b.HolderAccountId + a.Id).Contains(c.Account.Id.ToLowerInvariant() + \"#\")))";
        var engine = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(RuleSet.Load(ExpressionSandboxTests.RuleDirectory(ExpressionSandboxTests.Rule("string-runaway", Expression), withBundled: true))));

        var decision = engine.Decide(Case(30, "balance"));

        Assert.Equal(Outcome.Permit, decision.Outcome);
    }

    [Fact]
    public void ReadCase_StringLongerThanItsDeclaredMaxLength_IsRefusedNamingThePath()
    {
        var json = new CaseBuilder().AsOf(AsOf).With(CaseBuilder.Grant(new string('g', 257), "promotional", 1m, "2026-06-01T00:00:00Z"))
            .Json(new Newtonsoft.Json.Linq.JObject { ["type"] = "balance" });

        var problem = Assert.Single(BundledRules.Catalogue.ReadCase(json).Problems);

        Assert.Equal("grants[0].id", problem.Path);
        Assert.Contains("257 characters, more than the 256 this field may hold", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RuleBuildingAStringBeyondTheLimit_IsIndeterminateNamingTheRule()
    {
        // A declared note of 4,096 characters (the most any attribute may declare), joined 17 times: 69,632 characters.
        using var rules = new TempRuleDirectory();
        rules.EditVocabulary(v => v["account"]!["note"] = new Newtonsoft.Json.Linq.JObject { ["type"] = "string", ["maxLength"] = 4096 });
        rules.AddRule("reporting.json", TempRuleDirectory.RequestRule("string-builder", string.Join(" + ", Enumerable.Repeat("c.Account.Note", 17)) + " == \"\"", "deny", "balance"));
        var engine = new CreditPolicyEngine(rules.Load());
        var @case = new CaseBuilder(engine.Catalogue).Account("note", new string('n', 4096)).Of("balance");

        var decision = engine.Decide(@case);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("string-builder", reason.Rule);
        Assert.Contains("rules may build strings of at most 65,536", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AttributeDeclaredLongerThanTheMostACaseMayHold_FailsNamingIt()
    {
        using var rules = new TempRuleDirectory();
        rules.EditVocabulary(v => v["account"]!["note"] = new Newtonsoft.Json.Linq.JObject { ["type"] = "string", ["maxLength"] = 3_500_000 });

        var problem = Assert.Single(rules.LoadFails().Problems);

        Assert.Equal("vocabulary.json", problem.File);
        Assert.Contains("maxLength", problem.Message, StringComparison.Ordinal);
        Assert.Contains("4096", problem.Message.Replace(",", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>Integer arithmetic that overflows, in a rule: indeterminate naming the rule, never a wrapped value (issue 8).</summary>
    public static TheoryData<string> Overflowing() =>
    [
        "2147483647 + 1 < 0",
        "-2147483647 - 2 > 0",
        "65536 * 65536 == 0",
        "9223372036854775807 + 1 < 0",
        "c.Account.ReloadsToday * 9223372036854775807 > 0",
        "c.Account.ReloadsToday + 9223372036854775806 > 0",
        "-c.Account.ReloadsToday - 9223372036854775807 < 0",
        "c.Grants.Sum(x => 2147483647) > 0",
        "c.Grants.Sum(x => c.Account.ReloadsToday * 4611686018427387904) > 0",
    ];

    [Theory]
    [MemberData(nameof(Overflowing))]
    public void Decide_IntegerOverflowInARule_IsIndeterminateNamingTheRule(string expression)
    {
        using var rules = new TempRuleDirectory();
        rules.EditVocabulary(v => v["account"]!["reloadsToday"] = new Newtonsoft.Json.Linq.JObject { ["type"] = "integer", ["default"] = 0 });
        rules.AddRule("reporting.json", TempRuleDirectory.RequestRule("integer-overflow", expression, "deny", "balance", clause: "B.3"));
        var engine = new CreditPolicyEngine(rules.Load());
        var @case = new CaseBuilder(engine.Catalogue).Account("reloadsToday", 2)
            .Promotional("g1", 1m, "2026-06-01T00:00:00Z").Promotional("g2", 1m, "2026-06-01T00:00:00Z").Of("balance");

        var decision = engine.Decide(@case);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal(("integer-overflow", "B.3"), (reason.Rule, reason.Clause));
        Assert.StartsWith("Rule 'integer-overflow' failed: OverflowException: ", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_IntegerArithmeticWithinRange_Decides()
    {
        using var rules = new TempRuleDirectory();
        rules.AddRule("reporting.json", TempRuleDirectory.RequestRule("integer-in-range", "2147483646 + 1 < 0 || 9223372036854775806 + 1 < 0", "deny", "balance"));

        var decision = new CreditPolicyEngine(rules.Load()).Decide(new CaseBuilder().Of("balance"));

        Assert.Equal(Outcome.Permit, decision.Outcome);
    }

    private static CreditCase Case(int grants, string type, decimal? amount = null)
    {
        var builder = new CaseBuilder().AsOf(AsOf);
        for (var i = 0; i < grants; i++) builder.Promotional($"g{i:D5}", 1m, NodaTime.Text.InstantPattern.ExtendedIso.Format(AsOf - Duration.FromDays(1 + i % 300)));
        return builder.Request(EdgeCases.Request(type, amount: amount, requestedBy: amount is null ? null : "acct_1"));
    }
}
