using CreditPolicy.Cli.Generation;

namespace CreditPolicy.Tests.Cli.Generation;

public sealed class RuleTextTests
{
    [Fact]
    public void StringLiterals_EscapedQuotes_AreUnescaped()
    {
        Assert.Equal(["a\"b", "P1Y", ""], RuleText.StringLiterals("x == \"a\\\"b\" || Cal.PlusInZone(g.IssuedAt, \"P1Y\", z) == \"\""));
    }

    [Fact]
    public void Calls_NestedCallsAndCommasInStrings_SplitAtTopLevelCommasOnly()
    {
        var calls = RuleText.Calls("Cal.Latest(Cal.PlusInZone(g.A ?? Cal.At(\"x,y\"), \"P1Y\", c.Account.TimeZone), g.B)", "Cal.PlusInZone").ToArray();

        var call = Assert.Single(calls);
        Assert.Equal(["g.A ?? Cal.At(\"x,y\")", "\"P1Y\"", "c.Account.TimeZone"], call);
    }

    [Fact]
    public void Members_ReadFromRootsOutsideStrings()
    {
        var members = RuleText.Members("c . Account.Status == \"g.Fake\" && g.ConfirmedAt.Value > c.Request.Amount && c.Target.Is(\"x\")").ToArray();

        Assert.Equal(
            ["Account:Status", "Grant:ConfirmedAt.Value", "Request:Amount", "Grant:Is"],
            members.Select(m => $"{m.Root}:{string.Join('.', m.Members)}"));
    }

    [Fact]
    public void Comparisons_MembersAndNumbers_AreReadWithTheMemberOnTheLeft()
    {
        Assert.Equal([("g.Remaining", "<=", "g.Amount"), ("c.Account.ClosedAt.Value", "<=", "c.AsOf")],
            RuleText.Comparisons("g.Remaining <= g.Amount && (c.Account.ClosedAt == null || c.Account.ClosedAt.Value <= c.AsOf)"));
        Assert.Equal([("c.Account.Limit", ">", "0m"), ("c.Request.Amount", "<=", "GiftLimit"), ("g.Amount", "<", "10.5m")],
            RuleText.ConstantComparisons("c.Account.Limit > 0m && c.Request.Amount <= GiftLimit && 10.5m > g.Amount && Cal.At(\"x\") > g.IssuedAt"));
        Assert.Equal(10.5m, RuleText.Number("10.5m"));
        Assert.Null(RuleText.Number("GiftLimit"));
    }

    [Fact]
    public void EqualsLiteralAndNullTest_ReadTheShapesOfConditionalChecks()
    {
        Assert.Equal(("c.Account.Status", "closed"), RuleText.EqualsLiteral("c.Account.Status == \"closed\""));
        Assert.Equal(("c.Account.Vip", (string?)null), RuleText.EqualsLiteral(" c.Account.Vip "));
        Assert.Null(RuleText.EqualsLiteral("c.Account.Status != \"closed\""));
        Assert.Equal(("c.Account.ClosedAt", true), RuleText.NullTest("c.Account.ClosedAt != null"));
        Assert.Equal(("c.Account.ClosedAt", false), RuleText.NullTest("c.Account.ClosedAt == null"));
    }

    [Fact]
    public void DecimalAndIntegerLiterals_AreToldApart()
    {
        Assert.Equal([0.01m, 500m], RuleText.DecimalLiterals("x > 0.01m && y <= 500m && z == 3 && \"7m\" == s"));
        Assert.Equal([3L], RuleText.IntegerLiterals("x > 0.01m && y <= 500m && z == 3 && \"7\" == s"));
    }
}
