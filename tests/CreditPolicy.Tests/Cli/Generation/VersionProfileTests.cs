using CreditPolicy.Cli.Generation;
using CreditPolicy.Model.Contract;
using NodaTime;
using static CreditPolicy.Tests.Cli.Generation.GenerationFixtures;

namespace CreditPolicy.Tests.Cli.Generation;

public sealed class VersionProfileTests
{
    private static VersionProfile BundledProfile => VersionProfile.Of(BundledRules.RuleSet);

    [Fact]
    public void Of_BundledRules_ReadsThePeriodAndCalendarCallsOfTheExpiryRules()
    {
        var profile = BundledProfile;

        Assert.Equal([Period.FromYears(1)], profile.Periods);
        Assert.Contains(profile.Sites, s => Describe(s) == "g.ConfirmedAt ?? g.IssuedAt + P1Y in c.Account.TimeZone");
        Assert.Contains(profile.Sites, s => Describe(s) == "g.IssuedAt + P1Y in c.Account.TimeZone");
        Assert.Equal("timeZone", profile.Zone!.Name);
    }

    [Fact]
    public void Of_LaterVersionOfTheExample_ReadsItsSixMonths()
    {
        var later = Catalogue(Versioned).Find(TestPaths.LaterVersion)!;

        var profile = VersionProfile.Of(later);

        Assert.Equal([Period.FromYears(1), Period.FromMonths(6)], profile.Periods);
        Assert.Contains(profile.Sites, s => Describe(s) == "g.IssuedAt + P6M in c.Account.TimeZone");
    }

    [Fact]
    public void Of_BundledRules_ReadsTheChecksAsRelationsAndConditionalPresence()
    {
        var profile = BundledProfile;
        var contract = profile.Contract;

        Assert.Contains("<= g.Amount", Relations(profile, contract.Grant.Find("remaining")!));
        Assert.Contains("<= c.AsOf", Relations(profile, contract.Grant.Find("issuedAt")!));
        Assert.Contains(">= g.IssuedAt", Relations(profile, contract.Grant.Find("confirmedAt")!));
        Assert.Contains("> 0", Relations(profile, contract.Account.Find("balanceMaintenance")!.Object!.Find("reloadAmount")!));
        var closedAt = profile.Presences[contract.Account.Find("closedAt")!];
        Assert.Contains(closedAt, p => p.Literal == "closed" && p.Present && p.Condition.Members.SequenceEqual(["Status"]));
        Assert.Contains(closedAt, p => p.Literal == "open" && !p.Present);
    }

    [Fact]
    public void Of_BundledRules_NamesTheAmountsComparedWithTheAvailableBalance()
    {
        var near = BundledProfile.NearAvailable.Select(m => $"{m.Root}.{string.Join('.', m.Members)}").ToArray();

        Assert.Contains("Account.BalanceMaintenance.Threshold", near);
        Assert.Contains("Account.BalanceMaintenance.PendingReloadAmount", near);
        Assert.Contains("Request.Amount", near);
    }

    [Fact]
    public void Of_EveryTypeRules_ReadsConstantsAndLiteralsButNotDeclaredValues()
    {
        var profile = VersionProfile.Of(Catalogue(EveryType).Versions[0]);

        Assert.Contains(Period.FromDays(90), profile.Periods);
        Assert.Contains(500m, profile.Decimals);
        Assert.Contains(Instant.FromUtc(2027, 3, 1, 0, 0), profile.Instants);
        Assert.Contains("XX", profile.Strings);
        Assert.Contains("YY", profile.Strings);
        Assert.DoesNotContain("business", profile.Strings);
        Assert.DoesNotContain("referral", profile.Strings);
        Assert.DoesNotContain("closed", profile.Strings);
        Assert.Contains("<= 500", Relations(profile, profile.Contract.Requests["gift"].Fields.Find("amount")!));
        Assert.Contains(profile.Presences[profile.Contract.Account.Find("creditLimit")!], p => p.Literal is null && p.Present);
    }

    [Fact]
    public void Resolve_MemberPath_WalksNestedObjects()
    {
        var contract = BundledRules.RuleSet.Contract;

        var resolved = VersionProfile.Resolve(contract.Account, ["BalanceMaintenance", "Threshold"]);
        var value = VersionProfile.Resolve(contract.Account, ["ClosedAt", "Value"]);
        var missing = VersionProfile.Resolve(contract.Account, ["Nothing"]);

        Assert.Equal("threshold", resolved!.Value.Attribute.Name);
        Assert.Equal(["balanceMaintenance"], resolved.Value.Through.Select(a => a.Name));
        Assert.Equal("closedAt", value!.Value.Attribute.Name);
        Assert.Null(missing);
    }

    private static string[] Relations(VersionProfile profile, AttributeContract a) =>
        profile.Relations[a].Select(r => r.Operator + " " + (r.Constant is { } c ? Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture) : r.Other is { } m ? Text(m) : "c.AsOf")).ToArray();

    private static string Describe(PeriodSite s) =>
        string.Join(" ?? ", s.Start.Select(Text)) + " + " + NodaTime.Text.PeriodPattern.NormalizingIso.Format(s.Period) + " in " + (s.Zone is { } z ? Text(z) : s.ZoneId);

    private static string Text(MemberPath m) => (m.Root switch { MemberRoot.Grant => "g", MemberRoot.Account => "c.Account", _ => "c.Request" }) + "." + string.Join('.', m.Members);
}
