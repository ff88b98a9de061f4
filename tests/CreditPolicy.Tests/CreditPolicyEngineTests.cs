using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy.Tests;

/// <summary>Which version of the terms decides a case, and what a decision says when none can.</summary>
public sealed class CreditPolicyEngineTests
{
    private static readonly Lazy<CreditPolicyEngine> Bundled = new(() => CreditPolicyEngine.FromDirectory(TestPaths.Rules));

    /// <summary>A promotion issued 2026-05-01 without an expiry: six months under the earlier terms, a year under the current ones.</summary>
    private static CreditCase PromotionUse(Instant asOf, string? pinned = null) => new(
        asOf,
        new Account("acct_1", AccountStatuses.Open, null, "Etc/UTC", null, pinned),
        [new Grant("g1", GrantKinds.Promotional, "acct_1", 20m, 20m, Instant.FromUtc(2026, 5, 1, 0, 0), null, null, GrantSources.Promotion)],
        new CreditRequest(RequestTypes.Use, Amount: 10m, RequestedBy: "acct_1"));

    [Fact]
    public void Decide_SameGrantsEitherSideOfAnEffectiveDate_EachVersionDecidesAndIsNamed()
    {
        var engine = Bundled.Value;

        var before = engine.Decide(PromotionUse(Instant.FromUtc(2026, 11, 23, 23, 59)));
        var after = engine.Decide(PromotionUse(Instant.FromUtc(2026, 11, 24, 0, 0)));

        Assert.Equal(Outcome.Deny, before.Outcome);
        Assert.Equal(engine.Catalogue.Find(TestPaths.EarlierVersion)!.Identity, before.Rules);
        Assert.Equal(Outcome.Permit, after.Outcome);
        Assert.Equal(engine.Catalogue.Find(TestPaths.CurrentVersion)!.Identity, after.Rules);
    }

    [Fact]
    public void Decide_AccountPinnedToEarlierTerms_KeepsThemAfterANewVersionTakesEffect()
    {
        var decision = Bundled.Value.Decide(PromotionUse(Instant.FromUtc(2026, 12, 1, 0, 0), pinned: TestPaths.EarlierVersion));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal(TestPaths.EarlierVersion, decision.Rules.TermsVersion);
        Assert.Contains(decision.Reasons, r => r.Rule == "grant-expired" && r.GrantId == "g1");
    }

    [Fact]
    public void Decide_AccountPinnedToAnUnknownVersion_IsIndeterminateNamingTheVersionsHeld()
    {
        var engine = Bundled.Value;

        var decision = engine.Decide(PromotionUse(Instant.FromUtc(2026, 12, 1, 0, 0), pinned: "2024-06-01"));

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("evaluator:unknown-terms-version", reason.Rule);
        Assert.Equal("The account is pinned to terms version '2024-06-01', which these rules do not hold (they hold 2025-01-01, 2026-11-24).", reason.Message);
        Assert.Equal(engine.Catalogue.Identity, decision.Rules);
        Assert.Null(decision.Rules.TermsVersion);
    }

    [Fact]
    public void Decide_AsOfBeforeEveryVersion_IsIndeterminateSayingWhenTheEarliestTakesEffect()
    {
        var @case = PromotionUse(Instant.FromUtc(2024, 12, 31, 0, 0)) with { Grants = [] };

        var decision = Bundled.Value.Decide(@case);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("evaluator:no-terms-in-force", reason.Rule);
        Assert.Equal("No version of the terms is in force at 2024-12-31T00:00:00Z: the earliest, 2025-01-01, takes effect at 2025-01-01T00:00:00Z.", reason.Message);
        Assert.Contains("\"rules\":{\"termsVersion\":null,\"digest\":\"sha256:", DecisionJson.Serialize(decision, indented: false));
    }

    [Fact]
    public void Decide_OneVersionLoadedAlone_HonoursItsEffectiveFrom()
    {
        var engine = new CreditPolicyEngine(RuleSet.Load(TestPaths.CurrentTerms));

        var early = engine.Decide(PromotionUse(Instant.FromUtc(2026, 11, 23, 0, 0)));
        var inForce = engine.Decide(PromotionUse(Instant.FromUtc(2026, 11, 24, 0, 0)));

        Assert.Equal("evaluator:no-terms-in-force", Assert.Single(early.Reasons).Rule);
        Assert.Equal(Outcome.Permit, inForce.Outcome);
    }

    [Fact]
    public void Decide_InvalidCaseWithAPin_ReportsTheCaseProblemFirst()
    {
        var @case = PromotionUse(Instant.FromUtc(2026, 12, 1, 0, 0), pinned: " ");

        var decision = Bundled.Value.Decide(@case);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("evaluator:invalid-case", reason.Rule);
        Assert.StartsWith("account.termsVersion: expected a terms version", reason.Message);
    }
}
