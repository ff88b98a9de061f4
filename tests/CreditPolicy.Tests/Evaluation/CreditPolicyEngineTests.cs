using Bogus;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using NodaTime;
using NodaTime.Text;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Evaluation;

public sealed class CreditPolicyEngineTests
{
    private static CreditPolicyEngine Engine => BundledRules.Engine;

    private static Instant At(string iso) => CaseBuilder.At(iso);

    private static string MessageOf(string rule) => BundledRules.RuleSet.Rules.Single(r => r.Name == rule).Message;

    private static Reason Cited(string rule, string clause, string? grantId = null) => new(rule, clause, MessageOf(rule), grantId);

    [Fact]
    public void Constructor_NullRuleSet_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => new CreditPolicyEngine((CreditPolicy.Rules.RuleSet)null!));

        Assert.Equal("ruleSet", ex.ParamName);
    }

    [Fact]
    public void Decide_NullCase_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => Engine.Decide(null!));
    }

    public static TheoryData<string, string, string, string> Forbidden => new()
    {
        { "refund", "refund-denied", "B.1", "Credits are non-refundable." },
        { "cashOut", "cash-out-denied", "B.1", "Credits are not legal tender or currency of any kind and have no cash value." },
        { "transfer", "transfer-denied", "B.2", "Credits may not be transferred to any other person or entity." },
        { "sell", "sale-denied", "B.2", "Credits may not be sold to any other person or entity." },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Decide_RequestTheTermsForbid_DeniedByItsRuleAndClause(string type, string rule, string clause, string message)
    {
        var moves = type is "transfer" or "sell";
        var @case = new CaseBuilder()
            .Usage("g1", 40m, "2026-11-20T09:00:00Z", amount: 100m)
            .Request(EdgeCases.Request(type, amount: moves ? 10m : null, grantId: "g1", toAccountId: moves ? "acct_2" : null));

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.False(decision.IsPermitted);
        Assert.Equal([new Reason(rule, clause, message)], decision.Reasons);
        Assert.Empty(decision.Allocations);
        Assert.Null(decision.Movement);
        Assert.Equal(BundledRules.RuleSet.Identity, decision.Rules);
        Assert.Equal(@case.AsOf, decision.AsOf);
    }

    [Fact]
    public void Decide_UseCoveredByGrants_AllocatesInDrawOrder()
    {
        // Listed out of order on purpose; the expected order is: soonest expiry; then promotional before usage;
        // then older issuedAt; then grant id.
        var @case = new CaseBuilder()
            .Usage("u-late", 50m, "2026-06-01T00:00:00Z")                                     // expires 2027-06-01
            .Promotional("p-b", 2m, "2026-03-01T00:00:00Z", expiresAt: "2027-04-01T00:00:00Z")
            .Usage("u-tie", 10m, "2026-01-10T00:00:00Z")                                      // expires 2027-01-10
            .Promotional("p-new", 3m, "2026-02-15T00:00:00Z", expiresAt: "2027-03-01T00:00:00Z")
            .Promotional("p-tie", 10m, "2026-02-01T00:00:00Z", expiresAt: "2027-01-10T00:00:00Z")
            .Promotional("p-a", 2m, "2026-03-01T00:00:00Z", expiresAt: "2027-04-01T00:00:00Z")
            .Promotional("p-old", 3m, "2026-01-15T00:00:00Z", expiresAt: "2027-03-01T00:00:00Z")
            .Promotional("p-soon", 5m, "2026-01-01T00:00:00Z", expiresAt: "2026-12-01T00:00:00Z")
            .Use(42m);

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([Cited("use-draws-credits", "A.1")], decision.Reasons);
        Assert.Equal(
            [
                new Allocation("p-soon", "promotional", 5m),
                new Allocation("p-tie", "promotional", 10m),
                new Allocation("u-tie", "usage", 10m),
                new Allocation("p-old", "promotional", 3m),
                new Allocation("p-new", "promotional", 3m),
                new Allocation("p-a", "promotional", 2m),
                new Allocation("p-b", "promotional", 2m),
                new Allocation("u-late", "usage", 7m),
            ],
            decision.Allocations);
    }

    [Fact]
    public void Decide_UseOfExactlyTheAvailableAmount_DrawsEveryGrantAndNoEmptyOne()
    {
        // g2 and g3 both expire 2027-05-01T00:00Z, so the promotional grant goes first.
        var @case = new CaseBuilder()
            .Usage("g1", 0m, "2026-06-01T00:00:00Z", amount: 10m)
            .Usage("g2", 12.50m, "2026-05-01T00:00:00Z")
            .Promotional("g3", 0.01m, "2026-05-01T00:00:00Z")
            .Use(12.51m);

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([new Allocation("g3", "promotional", 0.01m), new Allocation("g2", "usage", 12.50m)], decision.Allocations);
    }

    /// <summary>
    /// Random uses over random grants, checked against an oracle written from the design's semantics (UTC zone):
    /// available means confirmed (or not a purchase), unexpired and held by the account; the allocations are the
    /// greedy draw in (expiry, promotional first, issuedAt, id) order; otherwise the use is denied as insufficient.
    /// </summary>
    [Fact]
    public void Decide_RandomUses_MatchTheDrawOrderOracle()
    {
        var faker = new Faker { Random = new Randomizer(20261124) };
        var asOf = At("2026-11-25T10:00:00Z");
        var permits = 0;
        for (var run = 0; run < 400; run++)
        {
            var builder = new CaseBuilder().AsOf(asOf);
            var grants = new List<DrawnGrant>();
            for (var k = 0; k < faker.Random.Int(0, 7); k++)
            {
                var issued = asOf - Duration.FromDays(faker.PickRandom(0, 10, 100, 200, 365, 400)) - Duration.FromHours(faker.PickRandom(0, 1));
                var remaining = Math.Round(faker.Random.Decimal(0m, 60m), faker.Random.Int(0, 2));
                var amount = remaining + faker.PickRandom(0m, 5m);
                var holder = faker.Random.Int(0, 9) == 0 ? "acct_2" : CaseBuilder.AccountId;
                var grant = faker.Random.Bool()
                    ? new DrawnGrant($"g{k}", "usage", holder, amount, remaining, issued,
                        faker.PickRandom<Instant?>(issued, issued + Duration.FromDays(1), null),
                        null, faker.Random.Int(0, 4) == 0 ? "balanceMaintenance" : "purchase")
                    : new DrawnGrant($"g{k}", "promotional", holder, amount, remaining, issued, null,
                        faker.PickRandom<Instant?>(null, asOf - Duration.FromDays(1), asOf + Duration.FromDays(5), PlusYear(issued)), "promotion");
                if (grant.ConfirmedAt > asOf) grant = grant with { ConfirmedAt = null };
                if (grant.ExpiresAt < grant.IssuedAt) grant = grant with { ExpiresAt = null };
                grants.Add(grant);
                builder.With(grant.Json());
            }

            var use = Math.Round(faker.Random.Decimal(0.01m, 150m), 2);
            var decision = Engine.Decide(builder.Use(use));

            var available = grants
                .Where(g => g.HolderAccountId == CaseBuilder.AccountId)
                .Where(g => g.Kind == "promotional" || g.Source != "purchase" || g.ConfirmedAt is not null)
                .Select(g => (Grant: g, Expiry: g.Kind == "usage" ? PlusYear(g.ConfirmedAt ?? g.IssuedAt) : g.ExpiresAt ?? PlusYear(g.IssuedAt)))
                .Where(x => asOf < x.Expiry)
                .ToList();
            if (available.Sum(x => x.Grant.Remaining) < use)
            {
                Assert.Equal(Outcome.Deny, decision.Outcome);
                Assert.Equal("use-insufficient-credits", decision.Reasons[0].Rule);
                continue;
            }

            permits++;
            var expected = new List<Allocation>();
            var left = use;
            foreach (var (g, _) in available
                .Where(x => x.Grant.Remaining > 0m)
                .OrderBy(x => x.Expiry).ThenBy(x => x.Grant.Kind == "promotional" ? 0 : 1).ThenBy(x => x.Grant.IssuedAt)
                .ThenBy(x => x.Grant.Id, StringComparer.Ordinal))
            {
                if (left == 0m) break;
                var take = Math.Min(left, g.Remaining);
                expected.Add(new Allocation(g.Id, g.Kind, take));
                left -= take;
            }

            Assert.Equal(Outcome.Permit, decision.Outcome);
            Assert.Equal(expected, decision.Allocations);
            Assert.Equal(use, decision.Allocations.Sum(a => a.Amount));
            Assert.All(decision.Allocations, a => Assert.InRange(a.Amount, 0.01m, grants.Single(g => g.Id == a.GrantId).Remaining));
        }

        Assert.InRange(permits, 40, 360);

        static Instant PlusYear(Instant i) => i.InUtc().LocalDateTime.PlusYears(1).InUtc().ToInstant();
    }

    /// <summary>A grant of the random-use test, kept typed so the test's own oracle can read it.</summary>
    private sealed record DrawnGrant(string Id, string Kind, string HolderAccountId, decimal Amount, decimal Remaining, Instant IssuedAt, Instant? ConfirmedAt, Instant? ExpiresAt, string Source)
    {
        public JObject Json() => CaseBuilder.Grant(Id, Kind, Remaining, Iso(IssuedAt), Amount, HolderAccountId,
            confirmedAt: ConfirmedAt is { } c ? Iso(c) : null, expiresAt: ExpiresAt is { } e ? Iso(e) : null, source: Source);

        private static string Iso(Instant i) => InstantPattern.ExtendedIso.Format(i);
    }

    [Fact]
    public void Decide_UseOnClosedAccount_DeniedCitingClosureAndForfeitedGrants()
    {
        var @case = new CaseBuilder()
            .ClosedAt("2026-11-01T00:00:00Z")
            .Usage("g1", 50m, "2026-06-01T00:00:00Z")
            .Use(10m);

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal(
            [Cited("use-on-closed-account", "B.1"), Cited("use-insufficient-credits", "A.1"), Cited("grant-forfeited-at-closure", "B.1", "g1")],
            decision.Reasons);
    }

    [Fact]
    public void Decide_UseByNonHolder_DeniedUnderB2()
    {
        var decision = Engine.Decide(new CaseBuilder().Usage("g1", 50m, "2026-06-01T00:00:00Z").Use(10m, requestedBy: "acct_2"));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("use-by-non-holder", "B.2")], decision.Reasons);
    }

    [Fact]
    public void Decide_UseBeyondAvailable_DeniedWithEveryExclusionCitingItsGrantInGrantIdOrder()
    {
        var @case = new CaseBuilder()
            .Usage("g-expired", 30m, "2025-01-01T00:00:00Z")
            .UnconfirmedPurchase("g-unconfirmed", 30m, "2026-11-24T00:00:00Z")
            .Usage("g-elsewhere", 30m, "2026-06-01T00:00:00Z", holder: "acct_2")
            .Usage("g-live", 5m, "2026-06-01T00:00:00Z")
            .Use(20m);

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal(
            [
                Cited("use-insufficient-credits", "A.1"),
                Cited("grant-held-by-another-account", "B.2", "g-elsewhere"),
                Cited("grant-expired", "B.1", "g-expired"),
                Cited("purchase-awaiting-confirmation", "A.1", "g-unconfirmed"),
            ],
            decision.Reasons);
    }

    [Fact]
    public void Decide_PurchaseConfirmedOnlyAfterAsOf_IsExcludedAsUnconfirmed()
    {
        var @case = new CaseBuilder()
            .With(CaseBuilder.Grant("g1", "usage", 10m, "2026-11-25T09:00:00Z", confirmedAt: "2026-11-25T10:00:00.001Z", source: "purchase"))
            .Use(1m);

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Contains(Cited("purchase-awaiting-confirmation", "A.1", "g1"), decision.Reasons);
    }

    [Fact]
    public void Decide_BalanceMaintenanceGrantWithoutConfirmation_CountsAsConfirmedWhenIssued()
    {
        var reloaded = Engine.Decide(new CaseBuilder().Reloaded("r1", 30m, "2026-11-25T10:00:00Z").Use(30m));
        var purchased = Engine.Decide(new CaseBuilder().UnconfirmedPurchase("r1", 30m, "2026-11-25T10:00:00Z").Use(30m));

        Assert.Equal(Outcome.Permit, reloaded.Outcome);
        Assert.Equal([new Allocation("r1", "usage", 30m)], reloaded.Allocations);
        Assert.Equal(Outcome.Deny, purchased.Outcome);
    }

    [Fact]
    public void Decide_BalanceMaintenanceGrant_ExpiresOneYearAfterIssue()
    {
        var decision = Engine.Decide(new CaseBuilder().Reloaded("r1", 30m, "2026-02-01T10:00:00Z").Of("expirations"));

        Assert.Equal(At("2027-02-01T10:00:00Z"), Assert.Single(decision.Expirations).ExpiresAt);
    }

    [Fact]
    public void Decide_AsOfExactlyAtExpiry_GrantIsExpired()
    {
        var grants = new CaseBuilder().InZone("America/New_York").Usage("g1", 10m, "2025-11-25T10:00:00Z");

        var decision = Engine.Decide(grants.AsOf("2026-11-25T10:00:00Z").Use(1m));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("use-insufficient-credits", "A.1"), Cited("grant-expired", "B.1", "g1")], decision.Reasons);
    }

    [Fact]
    public void Decide_AsOfOneTickBeforeExpiry_GrantIsNotExpired()
    {
        var grants = new CaseBuilder().InZone("America/New_York").Usage("g1", 10m, "2025-11-25T10:00:00Z");

        var decision = Engine.Decide(grants.AsOf(At("2026-11-25T10:00:00Z") - Duration.FromTicks(1)).Use(1m));

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([new Allocation("g1", "usage", 1m)], decision.Allocations);
    }

    [Fact]
    public void Decide_CloseAccount_ForfeitsExactlyTheAvailableRemainingAtAsOf()
    {
        var @case = new CaseBuilder()
            .Usage("g-live", 40m, "2026-06-01T00:00:00Z", amount: 100m)
            .Promotional("p-live", 20m, "2026-03-01T00:00:00Z")
            .Usage("g-expired", 7m, "2025-01-01T00:00:00Z")
            .UnconfirmedPurchase("g-unconfirmed", 9m, "2026-11-24T00:00:00Z")
            .Usage("g-empty", 0m, "2026-06-01T00:00:00Z", amount: 25m)
            .Usage("g-elsewhere", 3m, "2026-06-01T00:00:00Z", holder: "acct_2")
            .Of("closeAccount");

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([Cited("closure-forfeits-credits", "B.1")], decision.Reasons);
        Assert.Equal(
            [new Forfeiture("g-live", "usage", 40m, @case.AsOf), new Forfeiture("p-live", "promotional", 20m, @case.AsOf)],
            decision.Forfeitures);
    }

    [Fact]
    public void Decide_CloseAccountWithBalanceMaintenance_NotesTheEndOfReloads()
    {
        var decision = Engine.Decide(new CaseBuilder().WithMaintenance().Usage("g1", 5m, "2026-06-01T00:00:00Z").Of("closeAccount"));

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([Cited("closure-forfeits-credits", "B.1"), Cited("closure-ends-balance-maintenance", "B.3")], decision.Reasons);
    }

    [Fact]
    public void Decide_CloseAlreadyClosedAccount_Denied()
    {
        var decision = Engine.Decide(new CaseBuilder().ClosedAt("2026-11-01T00:00:00Z").Of("closeAccount"));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("close-already-closed-account", "B.1")], decision.Reasons);
        Assert.Empty(decision.Forfeitures);
    }

    [Fact]
    public void Decide_RestoreCreditForfeitedAtClosure_Denied()
    {
        var @case = new CaseBuilder().ClosedAt("2026-11-01T00:00:00Z").Usage("g1", 50m, "2026-06-01T00:00:00Z").Naming("restore", "g1");

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("restore-forfeited-credit", "B.1")], decision.Reasons);
    }

    [Fact]
    public void Decide_RestoreExpiredCredit_Denied()
    {
        var decision = Engine.Decide(new CaseBuilder().Usage("g1", 50m, "2025-06-01T00:00:00Z").Naming("restore", "g1"));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("restore-expired-credit", "B.1")], decision.Reasons);
    }

    [Fact]
    public void Decide_RestoreLiveCredit_Permitted()
    {
        var decision = Engine.Decide(new CaseBuilder().Usage("g1", 50m, "2026-06-01T00:00:00Z").Naming("restore", "g1"));

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([Cited("restore-live-credit", "B.1")], decision.Reasons);
    }

    private static CaseBuilder ExpirationGrants() => new CaseBuilder()
        .InZone("America/New_York")
        // 2025-11-21T04:00 EST + 1 year = 2026-11-21T04:00 EST: expired at asOf.
        .Usage("g1", 40m, "2025-11-21T09:00:00Z", amount: 100m, issuedAt: "2025-11-20T09:00:00Z")
        .Promotional("g2", 20m, "2026-01-05T00:00:00Z", expiresAt: "2026-12-01T00:00:00Z")
        // 2026-03-08T03:30 EDT + 1 year = 2027-03-08T03:30 EST (DST starts 2027-03-14).
        .Promotional("g3", 5m, "2026-03-08T07:30:00Z");

    [Fact]
    public void Decide_Expirations_ListsEachExpiryWithRuleAndExpiredFlag()
    {
        var decision = Engine.Decide(ExpirationGrants().Of("expirations"));

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([Cited("expirations-listed", "B.1")], decision.Reasons);
        Assert.Equal(
            [
                new Expiration("g1", "usage", At("2026-11-21T09:00:00Z"), "usage-credit-expiry", "B.1", true, 40m),
                new Expiration("g2", "promotional", At("2026-12-01T00:00:00Z"), "promotional-indicated-expiry", "B.1", false, 20m),
                new Expiration("g3", "promotional", At("2027-03-08T08:30:00Z"), "promotional-default-expiry", "B.1", false, 5m),
            ],
            decision.Expirations);
    }

    [Theory]
    [InlineData("2026-11-21T08:59:59Z", new string[0])]
    [InlineData("2026-11-21T09:00:00Z", new[] { "g1" })]
    [InlineData("2026-12-31T00:00:00Z", new[] { "g1", "g2" })]
    [InlineData("2027-03-08T08:30:00Z", new[] { "g1", "g2", "g3" })]
    public void Decide_ExpirationsUntil_ListsOnlyExpiriesAtOrBeforeIt(string until, string[] expected)
    {
        var decision = Engine.Decide(ExpirationGrants().Expirations(until));

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal(expected, decision.Expirations.Select(e => e.GrantId).ToArray());
    }

    [Fact]
    public void Decide_ExpirationsOnClosedAccount_ClosureSetsExpiryOfLaterGrants()
    {
        var @case = new CaseBuilder()
            .ClosedAt("2026-11-01T00:00:00Z")
            .Usage("g-before", 10m, "2025-10-01T00:00:00Z")
            .Usage("g-after", 10m, "2026-06-01T00:00:00Z")
            .Of("expirations");

        var decision = Engine.Decide(@case);

        Assert.Equal(
            [
                new Expiration("g-before", "usage", At("2026-10-01T00:00:00Z"), "usage-credit-expiry", "B.1", true, 10m),
                new Expiration("g-after", "usage", At("2026-11-01T00:00:00Z"), "closure-expires-credits", "B.1", true, 10m),
            ],
            decision.Expirations);
    }

    [Theory]
    [InlineData(4.00, "permit")]
    [InlineData(3.99, "permit")]
    [InlineData(4.01, "deny")]
    public void Decide_Reload_PermittedAtOrBelowThresholdCountingPending(decimal pending, string outcome)
    {
        var @case = new CaseBuilder()
            .WithMaintenance(threshold: 10.00m, reloadAmount: 50.00m, pendingReloadAmount: pending)
            .Promotional("p1", 6.00m, "2026-03-01T00:00:00Z")
            .Of("reload");

        var decision = Engine.Decide(@case);

        Assert.Equal(outcome, DecisionJson.OutcomeName(decision.Outcome));
        if (outcome == "permit")
        {
            Assert.Equal([Cited("reload-due", "B.3")], decision.Reasons);
            Assert.Equal(new ReloadCharge(50.00m, new LocalDate(2026, 11, 25)), decision.Reload);
        }
        else
        {
            Assert.Equal([Cited("reload-above-threshold", "B.3")], decision.Reasons);
            Assert.Null(decision.Reload);
        }
    }

    [Fact]
    public void Decide_ReloadServiceDisabled_Denied()
    {
        var decision = Engine.Decide(new CaseBuilder().WithMaintenance(enabled: false).Of("reload"));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("reload-service-not-active", "B.3")], decision.Reasons);
    }

    [Fact]
    public void Decide_ReloadWithoutMaintenanceSettings_Denied()
    {
        var decision = Engine.Decide(new CaseBuilder().Of("reload"));

        Assert.Equal([Cited("reload-service-not-active", "B.3")], decision.Reasons);
    }

    [Fact]
    public void Decide_ReloadAfterOptOut_Denied()
    {
        var decision = Engine.Decide(new CaseBuilder().WithMaintenance(optedOutAt: "2026-11-01T00:00:00Z").Of("reload"));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("reload-opted-out", "B.3")], decision.Reasons);
    }

    [Theory]
    [InlineData("2026-11-25T10:00:00.0000001Z")] // one tick after asOf
    [InlineData("2027-01-01T00:00:00Z")]
    public void Decide_ReloadWithOptOutDatedAfterAsOf_PermittedAsNotYetOptedOut(string optedOutAt)
    {
        // B.3 authorises charges "until Customer opts out"; at asOf that has not happened yet (issue 9).
        var @case = new CaseBuilder().WithMaintenance(optedOutAt: optedOutAt).Of("reload");

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([Cited("reload-due", "B.3")], decision.Reasons);
    }

    [Fact]
    public void Decide_ReloadWithOptOutExactlyAtAsOf_Denied()
    {
        var decision = Engine.Decide(new CaseBuilder().WithMaintenance(optedOutAt: "2026-11-25T10:00:00Z").Of("reload"));

        Assert.Equal([Cited("reload-opted-out", "B.3")], decision.Reasons);
    }

    [Fact]
    public void Decide_ReloadOnClosedAccount_Denied()
    {
        var decision = Engine.Decide(new CaseBuilder().WithMaintenance().ClosedAt("2026-11-20T00:00:00Z").Of("reload"));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("reload-account-closed", "B.3")], decision.Reasons);
    }

    [Fact]
    public void Decide_ReloadWithoutPaymentMethod_Denied()
    {
        var decision = Engine.Decide(new CaseBuilder().WithMaintenance(paymentMethodOnFile: false).Of("reload"));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal([Cited("reload-no-payment-method", "B.3")], decision.Reasons);
    }

    [Theory]
    [InlineData("2026-11-26T03:00:00Z", "America/Los_Angeles", "2026-11-25")]
    [InlineData("2026-11-26T03:00:00Z", "Etc/UTC", "2026-11-26")]
    [InlineData("2026-11-25T10:30:00Z", "Pacific/Kiritimati", "2026-11-26")]
    [InlineData("2026-11-25T10:30:00Z", "Pacific/Pago_Pago", "2026-11-24")]
    public void Decide_ReloadDue_ChargesOnTheLocalDateOfAsOf(string asOf, string zone, string chargeOn)
    {
        var decision = Engine.Decide(new CaseBuilder().AsOf(asOf).InZone(zone).WithMaintenance().Of("reload"));

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal(LocalDatePattern.Iso.Parse(chargeOn).Value, decision.Reload!.ChargeOn);
    }

    [Fact]
    public void Decide_Balance_SumsAvailableRemainingByKind()
    {
        var @case = new CaseBuilder()
            .Usage("u1", 40m, "2026-06-01T00:00:00Z", amount: 100m)
            .Usage("u2", 10.25m, "2026-07-01T00:00:00Z")
            .Reloaded("r1", 5m, "2026-11-01T00:00:00Z")
            .Promotional("p1", 20m, "2026-03-01T00:00:00Z")
            .Promotional("p-expired", 5m, "2026-01-01T00:00:00Z", expiresAt: "2026-11-25T10:00:00Z")
            .UnconfirmedPurchase("u-unconfirmed", 9m, "2026-11-24T00:00:00Z")
            .Usage("u-elsewhere", 3m, "2026-06-01T00:00:00Z", holder: "acct_2")
            .Of("balance");

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal([Cited("balance-reported", "B.1")], decision.Reasons);
        Assert.Equal(75.25m, decision.Balance!.Total);
        Assert.Equal([new("promotional", 20m), new("usage", 55.25m)], decision.Balance.ByKind.ToArray());
    }

    [Fact]
    public void Decide_BalanceWithoutGrants_IsZero()
    {
        var decision = Engine.Decide(new CaseBuilder().Of("balance"));

        Assert.Equal(0m, decision.Balance!.Total);
        Assert.Empty(decision.Balance.ByKind);
    }

    [Fact]
    public void ReadCase_InvalidCase_GivesNoCaseAndNamesEveryPath()
    {
        // A CreditCase can only be read valid: the problems come back instead of a case, so nothing invalid is ever decided.
        var json = new CaseBuilder()
            .Usage("g1", 50m, "2026-06-01T00:00:00Z", amount: 40m)
            .Usage("g1", 5m, "2026-06-01T00:00:00Z")
            .Json(new JObject { ["type"] = "use", ["amount"] = -1m, ["requestedBy"] = CaseBuilder.AccountId });

        var read = ((ICreditPolicy)Engine).ReadCase(json);

        Assert.False(read.IsValid);
        Assert.Null(read.Case);
        // The declared checks (such as remaining within amount) run only on a case whose structure was read.
        Assert.Equal(
            ["grants[1].id", "request.amount"],
            read.Problems.Select(p => p.Path).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains(read.Problems, p => p.Message.StartsWith("duplicate grant id \"g1\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_CaseReadUnderAnotherVocabulary_IsIndeterminateNamingEveryProblemUnderTheDecidingOne()
    {
        // A case read before a reload is decided by the rules served now: read again against their vocabulary, it is invalid.
        using var rules = new TempRuleDirectory();
        rules.ReplaceText("vocabulary.json",
            "\"holderAccountId\": { \"type\": \"string\", \"required\": true,",
            "\"holderAccountId\": { \"type\": \"string\", \"required\": true, \"maxLength\": 3,");
        var engine = new CreditPolicyEngine(rules.Load());
        var @case = new CaseBuilder().Usage("g1", 50m, "2026-06-01T00:00:00Z").Promotional("g2", 5m, "2026-06-01T00:00:00Z").Use(10m);

        var decision = engine.Decide(@case);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        Assert.False(decision.IsPermitted);
        Assert.Equal(engine.Catalogue.Identity, decision.Rules);
        Assert.All(decision.Reasons, r => Assert.Equal(("evaluator:invalid-case", null), (r.Rule, r.Clause)));
        Assert.Equal(["grants[0].holderAccountId", "grants[1].holderAccountId"], decision.Reasons.Select(r => r.Message.Split(' ')[0]).ToArray());
        Assert.Contains("more than the 3 this field may hold", decision.Reasons[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCase_UnknownZone_IsAProblemAtAccountTimeZone()
    {
        var json = new CaseBuilder().InZone("Mars/Olympus").Usage("g1", 5m, "2026-06-01T00:00:00Z")
            .Json(new JObject { ["type"] = "use", ["amount"] = 1m, ["requestedBy"] = CaseBuilder.AccountId });

        var problem = Assert.Single(((ICreditPolicy)Engine).ReadCase(json).Problems);

        Assert.Equal("account.timeZone", problem.Path);
        Assert.Contains("\"Mars/Olympus\"", problem.Message, StringComparison.Ordinal);
    }

    /// <summary>A rule added to a copy of the bundled rules whose expression throws when it runs, for a use that would otherwise be permitted.</summary>
    public static TheoryData<string, string, string> ThrowingRequestRules => new()
    {
        { "use-divides-by-zero", "c.Request.Amount / (c.Available - c.Available) > 0m", "DivideByZeroException" },
        { "use-reads-missing-target", "c.Target.Is(\"expired\")", "NullReferenceException" },
    };

    [Theory]
    [MemberData(nameof(ThrowingRequestRules))]
    public void Decide_RequestRuleThrows_IsIndeterminateNamingTheRuleNeverPermit(string rule, string expression, string exception)
    {
        using var rules = new TempRuleDirectory();
        rules.AddRule("use.json", TempRuleDirectory.RequestRule(rule, expression, "deny", "use", clause: "A.1"));
        var engine = new CreditPolicyEngine(rules.Load());

        var decision = engine.Decide(new CaseBuilder().Usage("g1", 50m, "2026-06-01T00:00:00Z").Use(10m));

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal((rule, "A.1", null), (reason.Rule, reason.Clause, reason.GrantId));
        Assert.StartsWith($"Rule '{rule}' failed: {exception}: ", reason.Message, StringComparison.Ordinal);
        Assert.Empty(decision.Allocations);
    }

    [Fact]
    public void Decide_GrantRuleThrows_IsIndeterminateNamingTheRuleAndGrant()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("availability.json", wf => ((JArray)wf["Rules"]!).Add(new JObject
        {
            ["RuleName"] = "grant-divides-by-zero",
            ["SuccessEvent"] = "Never.",
            ["Expression"] = "g.Remaining / (g.Amount - g.Amount) > 0m",
            ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "grant", ["effect"] = "exclude", ["status"] = "broken" },
        }));
        var engine = new CreditPolicyEngine(rules.Load());

        // It fails for both grants; the one named is the first by id, whatever the order of the case.
        var decision = engine.Decide(new CaseBuilder(engine.Catalogue).Usage("g2", 50m, "2026-06-01T00:00:00Z").Usage("g1", 50m, "2026-06-01T00:00:00Z").Use(10m));

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        Assert.Equal(
            new Reason("grant-divides-by-zero", "B.1", "Rule 'grant-divides-by-zero' failed for grant 'g1': DivideByZeroException: Attempted to divide by zero.", "g1"),
            Assert.Single(decision.Reasons));
    }

    [Fact]
    public void Load_ExpiryRuleReadsComputedExpiry_FailsNamingTheRule()
    {
        // Once a decision-time failure (indeterminate); now refused at load, since no expiry is known while expiry rules run.
        using var rules = new TempRuleDirectory();
        rules.EditRule("expiry.json", "usage-credit-expiry", r => r["Properties"]!["expiresAt"] = "g.Expiry");

        var problem = Assert.Single(rules.LoadFails().Problems);

        Assert.Equal(("expiry.json", "usage-credit-expiry"), (problem.File, problem.Rule));
        Assert.StartsWith("Properties.expiresAt: 'g.Expiry': expiry rules run before any expiry or availability is known", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ProducedEffectThrows_IsIndeterminate()
    {
        using var rules = new TempRuleDirectory();
        rules.EditRule("balance-maintenance.json", "reload-due", r => r["Properties"]!["amount"] = "c.Account.BalanceMaintenance.ReloadAmount / (c.Available - c.Available)");
        var engine = new CreditPolicyEngine(rules.Load());

        var decision = engine.Decide(new CaseBuilder().WithMaintenance().Of("reload"));

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        Assert.Equal("reload-due", Assert.Single(decision.Reasons).Rule);
        Assert.Null(decision.Reload);
    }

    [Fact]
    public void Decide_ForfeitBeyondRemaining_IsIndeterminate()
    {
        using var rules = new TempRuleDirectory();
        rules.EditRule("closure.json", "closure-forfeits-credits", r => r["Properties"]!["forfeit"] = "g.Amount");
        var engine = new CreditPolicyEngine(rules.Load());

        var decision = engine.Decide(new CaseBuilder().Usage("g1", 40m, "2026-06-01T00:00:00Z", amount: 100m).Of("closeAccount"));

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        Assert.Equal(
            new Reason("closure-forfeits-credits", "B.1", "Rule 'closure-forfeits-credits' forfeits 100 of grant 'g1', outside 0..40 (its remaining).", "g1"),
            Assert.Single(decision.Reasons));
    }

    /// <summary>Regression: a draw-order key that is null for some grant made the sort throw out of <c>Decide</c>.</summary>
    [Fact]
    public void Decide_DrawOrderKeyNullForSomeGrant_IsIndeterminateNotAnException()
    {
        using var rules = new TempRuleDirectory();
        rules.EditRule("use.json", "use-draws-credits", r => r["Properties"]!["drawOrder"] = new JArray("g.Kind == \"usage\" ? null : g.Id"));
        var engine = new CreditPolicyEngine(rules.Load());
        var @case = new CaseBuilder()
            .Usage("g1", 50m, "2026-06-01T00:00:00Z")
            .Promotional("g2", 20m, "2026-03-01T00:00:00Z")
            .Use(60m);

        Decision? decision = null;
        var thrown = Record.Exception(() => decision = engine.Decide(@case));

        Assert.Null(thrown);
        Assert.Equal(Outcome.Indeterminate, decision!.Outcome);
        Assert.Equal("use-draws-credits", Assert.Single(decision.Reasons).Rule);
    }

    /// <summary>Regression: amounts the case contract accepts can overflow a decimal sum outside any rule; that must not throw.</summary>
    [Theory]
    [InlineData("balance")]
    [InlineData("reload")]
    [InlineData("use")]
    public void Decide_RemainingAmountsSumBeyondDecimal_IsNeverAnExceptionNorPermit(string type)
    {
        // Nine grants of the largest amount a case may hold (28 digits) sum beyond decimal.MaxValue.
        var builder = new CaseBuilder().WithMaintenance();
        for (var i = 1; i <= 9; i++) builder.Usage($"g{i}", 9_999_999_999_999_999_999_999_999_999m, "2026-06-01T00:00:00Z");
        var @case = builder.Request(EdgeCases.Request(type, amount: type == "use" ? 1m : null, requestedBy: type == "use" ? CaseBuilder.AccountId : null));

        Decision? decision = null;
        var thrown = Record.Exception(() => decision = Engine.Decide(@case));

        Assert.Null(thrown);
        Assert.Equal(Outcome.Indeterminate, decision!.Outcome);
    }

    [Fact]
    public void Decide_GrantKindNoExpiryRuleMatches_IsIndeterminate()
    {
        using var rules = new TempRuleDirectory();
        rules.RemoveRule("expiry.json", "promotional-indicated-expiry");
        rules.RemoveRule("expiry.json", "promotional-default-expiry");
        var engine = new CreditPolicyEngine(rules.Load());

        var decision = engine.Decide(new CaseBuilder()
            .Usage("g1", 50m, "2026-06-01T00:00:00Z")
            .Promotional("g2", 20m, "2026-03-01T00:00:00Z", expiresAt: "2026-12-01T00:00:00Z")
            .Use(10m));

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        Assert.Equal(
            new Reason("evaluator:no-expiry-rule", null, "No expiry rule matched grant 'g2' (kind 'promotional'), so its expiry cannot be known; a rule with \"neverExpires\": true says when credits do not expire.", "g2"),
            Assert.Single(decision.Reasons));
    }

    [Fact]
    public void Decide_RequestTypeNoRulePermits_DeniedByTheEvaluator()
    {
        using var rules = new TempRuleDirectory();
        rules.RemoveRule("reporting.json", "balance-reported");
        var engine = new CreditPolicyEngine(rules.Load());

        var decision = engine.Decide(new CaseBuilder().Of("balance"));

        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal(
            new Reason("evaluator:no-permitting-rule", null, "No rule of terms version 2026-11-24 permits a 'balance' request in this case."),
            Assert.Single(decision.Reasons));
    }

    [Fact]
    public void Decide_SameCaseTwice_SerialisesToIdenticalText()
    {
        var @case = ExpirationGrants().WithMaintenance().Use(12.5m);
        var other = new CreditPolicyEngine(RuleSet.Load(TestPaths.CurrentTerms));

        var first = DecisionJson.Serialize(Engine.Decide(@case));
        var second = DecisionJson.Serialize(Engine.Decide(@case));
        var third = DecisionJson.Serialize(other.Decide(@case));

        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.Contains("\"outcome\": \"permit\"", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_Use_GivesTheDecisionAndEveryRuleRun()
    {
        var @case = new CaseBuilder().Usage("g1", 50m, "2026-06-01T00:00:00Z").Use(10m);

        var evaluation = Engine.Explain(@case);

        Assert.Equal(DecisionJson.Serialize(Engine.Decide(@case)), DecisionJson.Serialize(evaluation.Decision));
        Assert.Contains(evaluation.Trace, t => t is { Rule: "usage-credit-expiry", GrantId: "g1", Fired: true, Detail: "expiresAt 2027-06-01T00:00:00Z" });
        Assert.Contains(evaluation.Trace, t => t is { Rule: "grant-expired", GrantId: "g1", Fired: false });
        Assert.Contains(evaluation.Trace, t => t is { Rule: "use-draws-credits", Scope: "request", Fired: true });
        Assert.Contains(evaluation.Trace, t => t is { Rule: "use-insufficient-credits", Fired: false });
    }

    // Which version of the terms decides a case, and what a decision says when none can.

    private static readonly Lazy<CreditPolicyEngine> Versioned = new(() => CreditPolicyEngine.FromDirectory(TestPaths.VersionedRules));

    /// <summary>A promotion issued 2026-12-15 without an expiry: a year under the example's 2026-11-24 version, six months under its illustrative 2027-07-01.</summary>
    private static CaseBuilder Promotion(Instant asOf, string? pinned = null, RuleCatalogue? catalogue = null, string issuedAt = "2026-12-15T00:00:00Z", bool withGrant = true)
    {
        var builder = new CaseBuilder(catalogue ?? Versioned.Value.Catalogue).AsOf(asOf);
        if (pinned is not null) builder.PinnedTo(pinned);
        return withGrant ? builder.Promotional("g1", 20m, issuedAt) : builder;
    }

    private static CreditCase PromotionUse(Instant asOf, string? pinned = null) => Promotion(asOf, pinned).Use(10m);

    [Fact]
    public void Decide_SameGrantsEitherSideOfAnEffectiveDate_EachVersionDecidesAndIsNamed()
    {
        var engine = Versioned.Value;

        var before = engine.Decide(PromotionUse(Instant.FromUtc(2027, 6, 30, 23, 59)));
        var after = engine.Decide(PromotionUse(Instant.FromUtc(2027, 7, 1, 0, 0)));

        Assert.Equal(Outcome.Permit, before.Outcome);
        Assert.Equal(engine.Catalogue.Find(TestPaths.CurrentVersion)!.Identity, before.Rules);
        Assert.Equal(Outcome.Deny, after.Outcome);
        Assert.Equal(engine.Catalogue.Find(TestPaths.LaterVersion)!.Identity, after.Rules);
    }

    [Fact]
    public void Decide_AccountPinnedToEarlierTerms_KeepsThemAfterANewVersionTakesEffect()
    {
        var decision = Versioned.Value.Decide(PromotionUse(Instant.FromUtc(2027, 8, 1, 0, 0), pinned: TestPaths.CurrentVersion));

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal(TestPaths.CurrentVersion, decision.Rules.TermsVersion);
        Assert.Equal("g1", Assert.Single(decision.Allocations).GrantId);
    }

    [Fact]
    public void Decide_AccountPinnedToAnUnknownVersion_IsIndeterminateNamingTheVersionsHeld()
    {
        var engine = Versioned.Value;

        var decision = engine.Decide(PromotionUse(Instant.FromUtc(2027, 8, 1, 0, 0), pinned: "2024-06-01"));

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("evaluator:unknown-terms-version", reason.Rule);
        Assert.Equal("The account is pinned to terms version '2024-06-01', which these rules do not hold (they hold 2026-11-24, 2027-07-01).", reason.Message);
        Assert.Equal(engine.Catalogue.Identity, decision.Rules);
        Assert.Null(decision.Rules.TermsVersion);
    }

    [Fact]
    public void Decide_AsOfBeforeEveryVersion_IsIndeterminateSayingWhenTheEarliestTakesEffect()
    {
        var @case = Promotion(Instant.FromUtc(2026, 11, 23, 0, 0), withGrant: false).Use(10m);

        var decision = Versioned.Value.Decide(@case);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("evaluator:no-terms-in-force", reason.Rule);
        Assert.Equal("No version of the terms is in force at 2026-11-23T00:00:00Z: the earliest, 2026-11-24, takes effect at 2026-11-24T00:00:00Z.", reason.Message);
        Assert.Contains("\"rules\":{\"termsVersion\":null,\"digest\":\"sha256:", DecisionJson.Serialize(decision, indented: false));
    }

    [Fact]
    public void Decide_OneVersionLoadedAlone_HonoursItsEffectiveFrom()
    {
        var engine = new CreditPolicyEngine(RuleSet.Load(TestPaths.Version(TestPaths.VersionedRules, TestPaths.CurrentVersion)));

        var early = engine.Decide(Promotion(Instant.FromUtc(2026, 11, 23, 0, 0), catalogue: engine.Catalogue, withGrant: false).Use(10m));
        var inForce = engine.Decide(Promotion(Instant.FromUtc(2026, 12, 24, 0, 0), catalogue: engine.Catalogue).Use(10m));

        Assert.Equal("evaluator:no-terms-in-force", Assert.Single(early.Reasons).Rule);
        Assert.Equal(Outcome.Permit, inForce.Outcome);
    }

    [Theory]
    [InlineData("2019-06-01T00:00:00Z", "2020-03-01T00:00:00Z")] // before the invented 2025-01-01 version: was indeterminate
    [InlineData("2025-12-01T00:00:00Z", "2026-07-01T00:00:00Z")] // seven months on: the invented version's six months had run out
    public void Decide_BundledTermsAtAnyInstant_PromotionWithoutExpiryLastsOneCalendarYear(string issuedAt, string asOf)
    {
        // Regression (issue 9): the bundled rules are the terms as written (B.1: one calendar year) with no effectiveFrom,
        // so they decide every instant; an invented earlier version once gave six months and left earlier cases undecided.
        var @case = Promotion(At(asOf), catalogue: BundledRules.Catalogue, issuedAt: issuedAt).Use(10m);

        var decision = Engine.Decide(@case);

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal(TestPaths.CurrentVersion, decision.Rules.TermsVersion);
    }

    [Fact]
    public void ReadCase_BlankPin_IsAProblemAtTheAccountsTermsVersion()
    {
        // The pin chooses the vocabulary a case is read against, so a blank one is refused while reading: there is nothing to decide.
        var json = Promotion(Instant.FromUtc(2027, 8, 1, 0, 0), pinned: " ").Json(EdgeCases.Request("use", amount: 10m, requestedBy: "acct_1"));

        var read = ((ICreditPolicy)Versioned.Value).ReadCase(json);

        Assert.Null(read.Case);
        var problem = Assert.Single(read.Problems);
        Assert.Equal("account.termsVersion", problem.Path);
        Assert.StartsWith("expected a terms version", problem.Message, StringComparison.Ordinal);
    }
}
