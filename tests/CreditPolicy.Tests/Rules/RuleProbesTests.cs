namespace CreditPolicy.Tests.Rules;

public sealed class RuleProbesTests
{
    /// <summary>The probes of a rule: grant rules have one set; a request rule one per request type it applies to (the bundled ones apply to one each).</summary>
    private static IReadOnlyList<string> Names(string rule)
    {
        var compiled = BundledRules.RuleSet.All.Single(r => r.Name == rule);
        return compiled.ProbesFor(compiled.Info.AppliesTo.SingleOrDefault() ?? "").Names;
    }

    [Fact]
    public void Collect_ComparisonOfTwoFacts_GivesBothInOrder()
    {
        Assert.Equal(["c.AsOf", "g.Expiry", "g.ExpiryStatus"], Names("grant-expired"));
    }

    [Fact]
    public void Collect_MethodCallOnAFact_KeepsTheWholeCall()
    {
        Assert.Equal(["c.Target.Is(\"expired\")"], Names("restore-expired-credit"));
    }

    [Fact]
    public void Collect_NullableValue_ProbesTheNullableItselfOnce()
    {
        // "g.ConfirmedAt == null || g.ConfirmedAt.Value > c.AsOf": .Value would throw on null, and the chain is shown once.
        Assert.Equal(["g.Kind", "g.Source", "g.ConfirmedAt", "c.AsOf"], Names("purchase-awaiting-confirmation"));
    }

    [Fact]
    public void Collect_ExpiryRule_IncludesTheArgumentsOfCalendarHelpers()
    {
        Assert.Equal(["g.Kind", "g.ConfirmedAt", "g.IssuedAt", "c.Account.TimeZone"], Names("usage-credit-expiry"));
    }

    [Fact]
    public void Collect_DeepChain_IsOneProbe()
    {
        Assert.Contains("c.Account.BalanceMaintenance.Threshold", Names("reload-due"));
        Assert.DoesNotContain("c.Account.BalanceMaintenance", Names("reload-due"));
        Assert.DoesNotContain("c.Account", Names("reload-due"));
    }

    [Fact]
    public void Collect_ConstantCondition_HasNoProbes()
    {
        Assert.Empty(Names("refund-denied"));
    }
}
