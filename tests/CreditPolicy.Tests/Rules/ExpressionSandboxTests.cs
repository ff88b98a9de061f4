using CreditPolicy.Rules;

namespace CreditPolicy.Tests.Rules;

/// <summary>The vocabulary rule expressions may use, checked when the rule set loads (through <see cref="RuleSet.Load"/>).</summary>
public sealed class ExpressionSandboxTests
{
    /// <summary>An expression that must not load, and the cause the problem must give.</summary>
    public static TheoryData<string, string> Rejected => new()
    {
        { "\"x\".GetType().Assembly.FullName != null", "reflection is not available to rules" },
        { "DateTime.Now.Year > 2000", "the clock is not available to rules: asOf is the only now" },
        { "DateTimeOffset.UtcNow.Year > 2000", "the clock is not available to rules: asOf is the only now" },
        { "Enumerable.Range(0, 100).Count() > 1", "Enumerable.Range is not in the rule vocabulary" },
        { "c.Request.Amount > 1.5", "money is decimal in rules too" },
        { "c.Request.Amount > 1.5d", "money is decimal in rules too" },
        { "1.5 > 1", "'1.5' is a floating-point number; money is decimal in rules too" },
        { "Math.Pow(2, 3) > 1", "floating-point number" },
        { "Cal.PlusInZone(c.AsOf, \"P1X\", \"Etc/UTC\") > c.AsOf", "\"P1X\" is not an ISO-8601 period such as P1Y or P18M." },
        { "Cal.DateInZone(c.AsOf, \"Mars/Olympus\").Year > 0", "\"Mars/Olympus\" is not an IANA time zone id." },
        { "c.AsOf.ToUnixTimeTicks() > 0", "Method 'ToUnixTimeTicks' on type 'Instant' is not accessible" },
        { "c.Account.Id.GetHashCode() != 0", "GetHashCode is not in the rule vocabulary" },
        { "Guid.NewGuid() != Guid.Empty", "which rules may not use" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Load_ExpressionOutsideVocabulary_FailsNamingTheRule(string expression, string cause)
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", expression);

        var ex = copy.LoadFails();

        Assert.NotEmpty(ex.Problems);
        Assert.All(ex.Problems, p =>
        {
            Assert.Equal(("cash-value.json", "cash-value", "refund-denied"), (p.File, p.Workflow, p.Rule));
            Assert.StartsWith("Expression: ", p.Message, StringComparison.Ordinal);
        });
        Assert.Contains(ex.Problems, p => p.Message.Contains(cause, StringComparison.Ordinal));
        Assert.Contains("workflow 'cash-value', rule 'refund-denied': Expression: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ForbiddenExpressionInExpiresAt_FailsNamingTheField()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("expiry.json", "usage-credit-expiry", r => r["Properties"]!["expiresAt"] = "DateTime.Now.Year > 2000 ? g.IssuedAt : c.AsOf");

        var ex = copy.LoadFails();

        Assert.All(ex.Problems, p => Assert.Equal("usage-credit-expiry", p.Rule));
        Assert.Contains(ex.Problems, p => p.Message.StartsWith("Properties.expiresAt: ", StringComparison.Ordinal)
            && p.Message.Contains("the clock is not available to rules", StringComparison.Ordinal));
    }

    /// <summary>
    /// Regression: System.Linq.Dynamic.Core re-parses a double literal as decimal when it meets a decimal, using the
    /// text cached (process-wide, keyed by value) for the first literal of that value it ever parsed. Without a check
    /// of its own the sandbox sees a decimal or a double depending on what the process parsed before.
    /// </summary>
    [Fact]
    public void Load_FloatingPointLiteralAgainstDecimal_RejectedWhateverWasParsedBefore()
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", "c.Request.Amount > 2.75");
        var first = Record.Exception(copy.Load);
        copy.SetExpression("cash-value.json", "refund-denied", "c.Request.Amount > 3.25d");
        var suffixed = Record.Exception(copy.Load);

        var ex = Assert.IsType<RuleSetLoadException>(first);
        Assert.Contains(ex.Problems, p => p.Rule == "refund-denied" && p.Message.Contains("money is decimal in rules too", StringComparison.Ordinal));
        var ex2 = Assert.IsType<RuleSetLoadException>(suffixed);
        Assert.Contains(ex2.Problems, p => p.Rule == "refund-denied" && p.Message.Contains("money is decimal in rules too", StringComparison.Ordinal));
    }

    public static TheoryData<string> Allowed =>
    [
        "c.Grants.Any(x => x.Remaining > 0m)",
        "c.Request.Amount > 1.5m",
        "c.Request.Amount > 2",
        "c.Account.Id.StartsWith(\"acct\")",
        "c.Grants.Where(x => x.Kind == \"usage\").Sum(x => x.Remaining) >= 0m",
        "Math.Max(c.Available, 1m) > 0m",
        "c.AvailableOf(\"promotional\") >= 0m",
        "c.Account.BalanceMaintenance.OptedOutAt == null || c.Account.BalanceMaintenance.OptedOutAt.Value < c.AsOf",
        "Cal.PlusInZone(c.AsOf, \"P18M\", c.Account.TimeZone) > c.AsOf",
        "Cal.DateInZone(c.AsOf, \"Pacific/Apia\").Year > 2000",
        "Cal.Earliest(c.AsOf, c.AsOf) == c.AsOf",
        "c.Account.TimeZone.ToLowerInvariant().Contains(\"toronto\")",
    ];

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Load_ExpressionInVocabulary_Loads(string expression)
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", expression);

        var set = copy.Load();

        var rule = Assert.Single(set.Rules, r => r.Name == "refund-denied");
        Assert.Equal(expression, rule.Expression);
        Assert.False(rule.Unconditional);
    }
}
