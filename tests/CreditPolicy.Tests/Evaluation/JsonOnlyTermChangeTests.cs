using CreditPolicy.Model;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Evaluation;

/// <summary>
/// The design's claim: a legal change to the terms is a JSON edit, never a recompile. Each test copies the
/// bundled rules, edits only JSON, loads the copy with <c>RuleSet.Load</c> and shows the new terms deciding.
/// </summary>
public sealed class JsonOnlyTermChangeTests
{
    // 2025-06-01T10:00 EDT: one year later (2026-06-01) the credit has expired at asOf 2026-11-25; eighteen months
    // later is 2026-12-01T10:00 EST, which is 15:00Z.
    private static CaseBuilder NewYorkUsageGrant() => new CaseBuilder()
        .InZone("America/New_York")
        .Usage("g1", 40m, "2025-06-01T14:00:00Z", amount: 100m);

    [Fact]
    public void Decide_UsageExpiryEditedFromP1YToP18M_ExpiredUseIsPermittedAndListedExpiryMoves()
    {
        using var rules = new TempRuleDirectory();
        rules.EditRule("expiry.json", "usage-credit-expiry", r =>
        {
            var expiresAt = (string)r["Properties"]!["expiresAt"]!;
            Assert.Contains("\"P1Y\"", expiresAt, StringComparison.Ordinal);
            r["Properties"]!["expiresAt"] = expiresAt.Replace("\"P1Y\"", "\"P18M\"", StringComparison.Ordinal);
            r["SuccessEvent"] = "Usage Credits expire eighteen calendar months from the date the Confirmation Notice is sent or the Credits are otherwise issued.";
        });
        rules.EditWorkflow("terms.json", terms => terms["termsVersion"] = "2027-01-01");
        var before = BundledRules.Engine;
        var after = new CreditPolicyEngine(rules.Load());

        var useBefore = before.Decide(NewYorkUsageGrant().Use(10m));
        var useAfter = after.Decide(NewYorkUsageGrant().Use(10m));
        var listedBefore = Assert.Single(before.Decide(NewYorkUsageGrant().Of(RequestTypes.Expirations)).Expirations);
        var listedAfter = Assert.Single(after.Decide(NewYorkUsageGrant().Of(RequestTypes.Expirations)).Expirations);

        Assert.Equal(Outcome.Deny, useBefore.Outcome);
        Assert.Contains(useBefore.Reasons, r => r is { Rule: "grant-expired", GrantId: "g1" });
        Assert.Equal(Outcome.Permit, useAfter.Outcome);
        Assert.Equal([new Allocation("g1", "usage", 10m)], useAfter.Allocations);
        Assert.Equal("2027-01-01", useAfter.Rules.TermsVersion);
        Assert.NotEqual(useBefore.Rules.Digest, useAfter.Rules.Digest);
        Assert.Equal(new Expiration("g1", "usage", CaseBuilder.At("2026-06-01T14:00:00Z"), "usage-credit-expiry", "B.1", true, 40m), listedBefore);
        Assert.Equal(new Expiration("g1", "usage", CaseBuilder.At("2026-12-01T15:00:00Z"), "usage-credit-expiry", "B.1", false, 40m), listedAfter);
    }

    [Fact]
    public void Decide_RefundExceptionAddedForOneJurisdiction_PermittedThereAndDeniedElsewhere()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("cash-value.json", workflow =>
        {
            TempRuleDirectory.Rule(workflow, "refund-denied")["Expression"] = "c.Account.TimeZone != \"America/Toronto\"";
            ((JArray)workflow["Rules"]!).Add(new JObject
            {
                ["RuleName"] = "refund-permitted-in-quebec",
                ["SuccessEvent"] = "Consumer law where the account is held requires unused prepaid credits to be refundable.",
                ["Expression"] = "c.Account.TimeZone == \"America/Toronto\"",
                ["Properties"] = new JObject
                {
                    ["clause"] = "B.1",
                    ["scope"] = "request",
                    ["appliesTo"] = new JArray("refund"),
                    ["effect"] = "permit",
                },
            });
        });
        var engine = new CreditPolicyEngine(rules.Load());
        CreditCase Refund(string zone) => new CaseBuilder().InZone(zone).Usage("g1", 40m, "2026-06-01T00:00:00Z", amount: 100m).Naming(RequestTypes.Refund, "g1");

        var quebec = engine.Decide(Refund("America/Toronto"));
        var newYork = engine.Decide(Refund("America/New_York"));
        var quebecUnderBundledTerms = BundledRules.Engine.Decide(Refund("America/Toronto"));

        Assert.Equal(Outcome.Permit, quebec.Outcome);
        Assert.Equal(
            [new Reason("refund-permitted-in-quebec", "B.1", "Consumer law where the account is held requires unused prepaid credits to be refundable.")],
            quebec.Reasons);
        Assert.Equal(Outcome.Deny, newYork.Outcome);
        Assert.Equal([new Reason("refund-denied", "B.1", "Credits are non-refundable.")], newYork.Reasons);
        Assert.Equal(Outcome.Deny, quebecUnderBundledTerms.Outcome);
    }
}
