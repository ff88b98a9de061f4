using CreditPolicy.Model;
using CreditPolicy.Scenarios;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Tests.Oracle;

/// <summary>The oracle held to the hand-written scenarios and to calendar facts, so that agreeing with it means something.</summary>
public sealed class TermsOracleTests
{
    /// <summary>The scenarios of the current terms, which the oracle implements.</summary>
    public static TheoryData<string> ScenarioFiles()
    {
        var (scenarios, _) = ScenarioRunner.Discover(Path.Combine(TestPaths.CurrentTerms, ScenarioRunner.TestsFolder));
        return new TheoryData<string>(scenarios.Select(s => s.File));
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void Decide_BundledScenario_MatchesItsExpectation(string file)
    {
        var (scenarios, _) = ScenarioRunner.Discover(Path.Combine(TestPaths.CurrentTerms, ScenarioRunner.TestsFolder));
        var scenario = Assert.Single(scenarios, s => s.File == file);

        var catalogue = BundledRules.AlwaysInForce.Catalogue;
        var oracle = new ScenarioSubject(bytes => catalogue.ReadCase(bytes.Span), @case => new Explanation(TermsOracle.Decide(@case), []));

        var result = ScenarioRunner.Run(oracle, scenario);

        Assert.True(result.Passed, $"{file}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Failures));
    }

    [Theory]
    // Feb 29 has no anniversary: the last day of February.
    [InlineData("Etc/UTC", "2024-02-29T09:00:00Z", "2025-02-28T09:00:00Z")]
    // 02:30 on 2026-03-08 does not happen in New York: 03:30 EDT, the same instant as 02:30 EST.
    [InlineData("America/New_York", "2025-03-08T07:30:00Z", "2026-03-08T07:30:00Z")]
    // 01:30 on 2026-11-01 happens twice in New York: the earlier one (EDT).
    [InlineData("America/New_York", "2025-11-01T05:30:00Z", "2026-11-01T05:30:00Z")]
    // Samoa skipped 2011-12-30: 10:00 that day becomes 10:00 on the 31st (+14:00).
    [InlineData("Pacific/Apia", "2010-12-30T20:00:00Z", "2011-12-30T20:00:00Z")]
    // Lord Howe springs forward by 30 minutes at 02:00 local: 02:15 becomes 02:45 (+11:00).
    [InlineData("Australia/Lord_Howe", "2025-10-03T15:45:00Z", "2026-10-03T15:45:00Z")]
    // Noon on Feb 29 at +13:45 in Chatham is still the 28th in UTC; the anniversary is local.
    [InlineData("Pacific/Chatham", "2024-02-28T22:15:00Z", "2025-02-27T22:15:00Z")]
    public void OneCalendarYearLater_EdgesOfTheCalendar_FollowTheDesign(string zone, string start, string expected)
    {
        var result = TermsOracle.OneCalendarYearLater(InstantPattern.ExtendedIso.Parse(start).Value, DateTimeZoneProviders.Tzdb[zone]);

        Assert.Equal(expected, InstantPattern.ExtendedIso.Format(result));
    }

    [Fact]
    public void View_GrantIssuedAfterClosure_ExpiresAsItIsIssued()
    {
        var issuedAt = Instant.FromUtc(2026, 10, 15, 12, 0);
        var c = new CaseBuilder().ClosedAt("2026-10-01T00:00:00Z").Reloaded("g", 5m, "2026-10-15T12:00:00Z").Of("balance");

        var view = TermsOracle.View(c, DateTimeZone.Utc, c.Grants[0]);

        Assert.Equal(issuedAt, view.Expiry);
        Assert.True(view.ByClosure);
        Assert.Equal([("grant-forfeited-at-closure", "B.1")], view.Exclusions);
    }
}
