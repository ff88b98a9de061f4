using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Evaluation;

/// <summary>
/// The design's claim: a legal change to the terms is a JSON edit plus a scenario, never a recompile. Each test copies
/// the bundled rules, edits only JSON (rule files and <c>vocabulary.json</c>), loads the copy with <c>RuleSet.Load</c>
/// and shows the new terms deciding: new kinds of credit, new request types, typed attributes of accounts and requests,
/// named constants, credits that never expire, and permitted refunds and gifts that say what moves.
/// </summary>
public sealed class JsonOnlyTermChangeTests
{
    // 2025-06-01T10:00 EDT: one year later (2026-06-01) the credit has expired at asOf 2026-11-25; eighteen months
    // later is 2026-12-01T10:00 EST, which is 15:00Z.
    private static CaseBuilder NewYorkUsageGrant(RuleCatalogue? catalogue = null) => new CaseBuilder(catalogue)
        .InZone("America/New_York")
        .Usage("g1", 40m, "2025-06-01T14:00:00Z", amount: 100m);

    private static (CreditPolicyEngine Engine, RuleCatalogue Catalogue) Load(TempRuleDirectory rules)
    {
        var catalogue = RuleCatalogue.Of(rules.Load());
        return (new CreditPolicyEngine(catalogue), catalogue);
    }

    private static JObject Attribute(string type, object? extra = null)
    {
        var o = new JObject { ["type"] = type };
        if (extra is not null) o.Merge(JObject.FromObject(extra));
        return o;
    }

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
        var (after, catalogue) = Load(rules);

        var useBefore = before.Decide(NewYorkUsageGrant().Use(10m));
        var useAfter = after.Decide(NewYorkUsageGrant(catalogue).Use(10m));
        var listedBefore = Assert.Single(before.Decide(NewYorkUsageGrant().Expirations()).Expirations);
        var listedAfter = Assert.Single(after.Decide(NewYorkUsageGrant(catalogue).Expirations()).Expirations);

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
    public void Decide_NewCreditKindReferralDeclaredWithItsOwnExpiry_DrawnWhileLiveAndReportedByKind()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v => v["kinds"]!["referral"] = new JObject
        {
            ["description"] = "Credits given for referring another customer.",
            ["defaults"] = new JObject { ["source"] = "promotion" },
        });
        rules.AddRule("expiry.json", new JObject
        {
            ["RuleName"] = "referral-credit-expiry",
            ["SuccessEvent"] = "Referral credits expire ninety days after they are issued.",
            ["Expression"] = "g.Kind == \"referral\"",
            ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "grant", ["effect"] = "expiry", ["expiresAt"] = "Cal.PlusInZone(g.IssuedAt, \"P90D\", c.Account.TimeZone)" },
        });
        var (engine, catalogue) = Load(rules);
        CaseBuilder Referral(string issuedAt) => new CaseBuilder(catalogue).With(CaseBuilder.Grant("r1", "referral", 15m, issuedAt));

        var live = engine.Decide(Referral("2026-10-01T00:00:00Z").Use(10m));
        var expired = engine.Decide(Referral("2026-08-01T00:00:00Z").Use(10m));
        var balance = engine.Decide(Referral("2026-10-01T00:00:00Z").Usage("g1", 5m, "2026-10-01T00:00:00Z").Of("balance"));
        var underBundledTerms = BundledRules.Catalogue.ReadCase(Referral("2026-10-01T00:00:00Z").Json(new JObject { ["type"] = "balance" }));

        Assert.Equal(Outcome.Permit, live.Outcome);
        Assert.Equal([new Allocation("r1", "referral", 10m)], live.Allocations);
        Assert.Equal(Outcome.Deny, expired.Outcome);
        Assert.Contains(expired.Reasons, r => r is { Rule: "grant-expired", GrantId: "r1" });
        Assert.Equal(20m, balance.Balance!.Total);
        Assert.Equal(15m, balance.Balance.ByKind["referral"]);
        Assert.Equal("promotion", engine.Catalogue.ReadCase(Referral("2026-10-01T00:00:00Z").Json(new JObject { ["type"] = "balance" })).Case!.Grants[0].Get("source"));
        var problem = Assert.Single(underBundledTerms.Problems);
        Assert.Equal("grants[0].kind", problem.Path);
        Assert.Equal("expected one of usage, promotional, got \"referral\"", problem.Message);
    }

    [Fact]
    public void Decide_NewRequestTypeGiftWithinOneOrganisation_PermittedWithTheMovementAndDeniedAcrossOrganisations()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v =>
        {
            v["account"]!["organisationId"] = Attribute("string", new { description = "The organisation the account belongs to." });
            v["requests"]!["gift"] = new JObject
            {
                ["description"] = "Give credits of a grant to another account of the same organisation.",
                ["fields"] = new JObject
                {
                    ["grantId"] = Attribute("grantId", new { required = true }),
                    ["toAccountId"] = Attribute("string", new { required = true }),
                    ["toOrganisationId"] = Attribute("string", new { required = true }),
                    ["amount"] = Attribute("decimal", new { required = true, exclusiveMinimum = 0 }),
                },
            };
        });
        rules.Write("gifts.json", new JObject
        {
            ["WorkflowName"] = "gifts",
            ["Rules"] = new JArray(
                new JObject
                {
                    ["RuleName"] = "gift-outside-organisation-denied",
                    ["SuccessEvent"] = "Credits may not be transferred to any other person or entity.",
                    ["Expression"] = "c.Account.OrganisationId == null || c.Request.ToOrganisationId != c.Account.OrganisationId || c.Target.Remaining < c.Request.Amount",
                    ["Properties"] = new JObject { ["clause"] = "B.2", ["scope"] = "request", ["appliesTo"] = new JArray("gift"), ["effect"] = "deny" },
                },
                new JObject
                {
                    ["RuleName"] = "gift-within-organisation",
                    ["SuccessEvent"] = "Credits may move between accounts of one customer organisation.",
                    ["Expression"] = "c.Account.OrganisationId != null && c.Request.ToOrganisationId == c.Account.OrganisationId && c.Target.Remaining >= c.Request.Amount",
                    ["Properties"] = new JObject
                    {
                        ["clause"] = "B.2",
                        ["scope"] = "request",
                        ["appliesTo"] = new JArray("gift"),
                        ["effect"] = "permit",
                        ["produces"] = "movement",
                        ["grant"] = "c.Request.GrantId",
                        ["amount"] = "c.Request.Amount",
                        ["to"] = "c.Request.ToAccountId",
                    },
                }),
        }.ToString());
        var (engine, catalogue) = Load(rules);
        CreditCase Gift(string toOrganisation) => new CaseBuilder(catalogue)
            .Account("organisationId", "org_7")
            .Usage("g1", 40m, "2026-06-01T00:00:00Z")
            .Request(new JObject { ["type"] = "gift", ["grantId"] = "g1", ["toAccountId"] = "acct_2", ["toOrganisationId"] = toOrganisation, ["amount"] = 15m });

        var within = engine.Decide(Gift("org_7"));
        var across = engine.Decide(Gift("org_8"));

        Assert.Equal(Outcome.Permit, within.Outcome);
        Assert.Equal(new Movement("g1", "usage", 15m, "acct_2"), within.Movement);
        Assert.Equal(Outcome.Deny, across.Outcome);
        Assert.Equal("gift-outside-organisation-denied", Assert.Single(across.Reasons).Rule);
        Assert.Null(across.Movement);
    }

    [Fact]
    public void Decide_ConsumerRefundWindowDeclaredWithConstants_RefundPermittedStatingItsAmountOnlyForConsumersThere()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v =>
        {
            v["account"]!["customerType"] = Attribute("enum", new { values = new[] { "consumer", "business" }, @default = "business" });
            v["account"]!["billingCountry"] = Attribute("string", new { maxLength = 2 });
            v["constants"] = new JObject
            {
                ["ConsumerRefundCountries"] = new JObject { ["type"] = "set", ["value"] = new JArray("DE", "FR", "IT") },
                ["RefundWindow"] = new JObject { ["type"] = "string", ["value"] = "P14D" },
            };
        });
        const string Eligible = "c.Account.CustomerType == \"consumer\" && ConsumerRefundCountries.Contains(c.Account.BillingCountry ?? \"\") && c.AsOf < Cal.PlusInZone(c.Target.ConfirmedAt ?? c.Target.IssuedAt, RefundWindow, c.Account.TimeZone)";
        rules.EditRule("cash-value.json", "refund-denied", r => r["Expression"] = "!(" + Eligible + ")");
        rules.AddRule("cash-value.json", new JObject
        {
            ["RuleName"] = "consumer-refund-window",
            ["SuccessEvent"] = "Consumer law where the customer is billed gives fourteen days to withdraw from a purchase.",
            ["Expression"] = Eligible,
            ["Properties"] = new JObject
            {
                ["clause"] = "B.1",
                ["scope"] = "request",
                ["appliesTo"] = new JArray("refund"),
                ["effect"] = "permit",
                ["produces"] = "movement",
                ["grant"] = "c.Target.Id",
                ["amount"] = "c.Target.Remaining",
            },
        });
        var (engine, catalogue) = Load(rules);
        Decision Refund(string customerType, string country, string confirmedAt) => engine.Decide(new CaseBuilder(catalogue)
            .Account("customerType", customerType)
            .Account("billingCountry", country)
            .Usage("g1", 40m, confirmedAt, amount: 100m)
            .Naming("refund", "g1"));

        var consumerInGermany = Refund("consumer", "DE", "2026-11-20T00:00:00Z");
        var consumerLate = Refund("consumer", "DE", "2026-11-01T00:00:00Z");
        var business = Refund("business", "DE", "2026-11-20T00:00:00Z");
        var consumerInUs = Refund("consumer", "US", "2026-11-20T00:00:00Z");

        Assert.Equal(Outcome.Permit, consumerInGermany.Outcome);
        Assert.Equal(new Movement("g1", "usage", 40m, null), consumerInGermany.Movement);
        Assert.Equal("consumer-refund-window", Assert.Single(consumerInGermany.Reasons).Rule);
        Assert.All([consumerLate, business, consumerInUs], d =>
        {
            Assert.Equal(Outcome.Deny, d.Outcome);
            Assert.Equal("refund-denied", Assert.Single(d.Reasons).Rule);
            Assert.Null(d.Movement);
        });
    }

    [Fact]
    public void Decide_RegionWhereCreditsNeverExpire_UsageIsListedAsNeverExpiringAndStillForfeitedAtClosure()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v =>
        {
            v["account"]!["billingRegion"] = Attribute("string", new { description = "State or province where the customer is billed." });
            v["constants"] = new JObject { ["NoExpiryRegions"] = new JObject { ["type"] = "set", ["value"] = new JArray("US-CA") } };
        });
        rules.EditRule("expiry.json", "usage-credit-expiry", r => r["Expression"] = "g.Kind == \"usage\" && !NoExpiryRegions.Contains(c.Account.BillingRegion ?? \"\")");
        rules.AddRule("expiry.json", new JObject
        {
            ["RuleName"] = "usage-credit-no-expiry-in-region",
            ["SuccessEvent"] = "Where the customer is billed, prepaid credits may not expire.",
            ["Expression"] = "g.Kind == \"usage\" && NoExpiryRegions.Contains(c.Account.BillingRegion ?? \"\")",
            ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "grant", ["effect"] = "expiry", ["neverExpires"] = true },
        });
        var (engine, catalogue) = Load(rules);
        CaseBuilder Old(string region) => new CaseBuilder(catalogue).Account("billingRegion", region).Usage("g1", 40m, "2022-01-01T00:00:00Z", amount: 100m);

        var californiaUse = engine.Decide(Old("US-CA").Use(10m));
        var oregonUse = engine.Decide(Old("US-OR").Use(10m));
        var listed = Assert.Single(engine.Decide(Old("US-CA").Expirations()).Expirations);
        var closed = engine.Decide(Old("US-CA").ClosedAt("2026-11-01T00:00:00Z").Expirations());

        Assert.Equal(Outcome.Permit, californiaUse.Outcome);
        Assert.Equal(Outcome.Deny, oregonUse.Outcome);
        Assert.Equal(new Expiration("g1", "usage", null, "usage-credit-no-expiry-in-region", "B.1", false, 40m), listed);
        Assert.Equal(new Expiration("g1", "usage", CaseBuilder.At("2026-11-01T00:00:00Z"), "closure-expires-credits", "B.1", true, 40m), Assert.Single(closed.Expirations));
    }

    [Fact]
    public void Decide_DailyReloadCapAndReopenedAccount_DeclaredAttributesAndAnEditedCheckDecide()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v =>
        {
            v["account"]!["reloadsToday"] = Attribute("integer", new { @default = 0, minimum = 0 });
            v["account"]!["reopenedAt"] = Attribute("instant", new { description = "When a closed account was reopened." });
            v["constants"] = new JObject { ["MaxReloadsPerDay"] = new JObject { ["type"] = "integer", ["value"] = 3 } };

            // A reopened account is open although it says when it was closed.
            var check = ((JArray)v["checks"]!).Single(c => (string?)c["name"] == "open-account-not-closed");
            check["when"] = "c.Account.Status == \"open\" && c.Account.ReopenedAt == null";
        });
        rules.AddRule("balance-maintenance.json", new JObject
        {
            ["RuleName"] = "reload-daily-cap",
            ["SuccessEvent"] = "At most three reloads are charged in a day.",
            ["Expression"] = "c.Account.ReloadsToday >= MaxReloadsPerDay",
            ["Properties"] = new JObject { ["clause"] = "B.3", ["scope"] = "request", ["appliesTo"] = new JArray("reload"), ["effect"] = "deny" },
        });
        rules.EditRule("expiry.json", "closure-expires-credits", r =>
            r["Expression"] = "c.Account.ClosedAt != null && (c.Account.ReopenedAt == null || g.IssuedAt < c.Account.ReopenedAt.Value)");
        rules.EditRule("use.json", "use-on-closed-account", r => r["Expression"] = "c.Account.Status == \"closed\"");
        var (engine, catalogue) = Load(rules);
        CaseBuilder Maintained(int reloadsToday) => new CaseBuilder(catalogue).WithMaintenance().Account("reloadsToday", reloadsToday);

        var third = engine.Decide(Maintained(2).Of("reload"));
        var fourth = engine.Decide(Maintained(3).Of("reload"));
        var reopened = new CaseBuilder(catalogue)
            .Account("status", "open").Account("closedAt", "2026-01-01T00:00:00Z").Account("reopenedAt", "2026-02-01T00:00:00Z")
            .Usage("before", 5m, "2025-12-01T00:00:00Z")
            .Usage("after", 30m, "2026-03-01T00:00:00Z");
        var use = engine.Decide(reopened.Use(20m));
        var stillClosedUnderBundledTerms = BundledRules.Catalogue.ReadCase(new CaseBuilder().Account("closedAt", "2026-01-01T00:00:00Z").Json(new JObject { ["type"] = "balance" }));

        Assert.Equal(Outcome.Permit, third.Outcome);
        Assert.Equal(Outcome.Deny, fourth.Outcome);
        Assert.Equal("reload-daily-cap", Assert.Single(fourth.Reasons).Rule);
        Assert.Equal(Outcome.Permit, use.Outcome);
        Assert.Equal([new Allocation("after", "usage", 20m)], use.Allocations);
        Assert.Equal("must be absent or null when account.status is open", Assert.Single(stillClosedUnderBundledTerms.Problems).Message);
    }

    [Fact]
    public void Decide_TimeBasedExpiryAndClosureBothVisible_RestoreDistinguishesCreditsStillWithinTheirTime()
    {
        using var rules = new TempRuleDirectory();
        rules.EditRule("restore.json", "restore-forfeited-credit", r =>
            r["Expression"] = "c.Target.Is(\"forfeited\") && (c.Target.ExpiryFor(\"expired\") == null || c.Target.ExpiryFor(\"expired\").Value <= c.AsOf)");
        rules.AddRule("restore.json", new JObject
        {
            ["RuleName"] = "restore-forfeited-credit-within-its-time",
            ["SuccessEvent"] = "Credits forfeited at closure but still within their own term are noted.",
            ["Expression"] = "c.Target.Is(\"forfeited\") && c.Target.ExpiryFor(\"expired\") != null && c.Target.ExpiryFor(\"expired\").Value > c.AsOf",
            ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "request", ["appliesTo"] = new JArray("restore"), ["effect"] = "deny" },
        });
        var (engine, catalogue) = Load(rules);
        Decision Restore(string confirmedAt) => engine.Decide(new CaseBuilder(catalogue)
            .ClosedAt("2026-11-01T00:00:00Z")
            .Usage("g1", 40m, confirmedAt)
            .Naming("restore", "g1"));

        var young = Restore("2026-06-01T00:00:00Z");
        var old = Restore("2025-01-01T00:00:00Z");

        // The young credit's closure came first (forfeited) while its own year still runs; the old one's year ran out before closure.
        Assert.Equal("restore-forfeited-credit-within-its-time", Assert.Single(young.Reasons).Rule);
        Assert.Equal("restore-expired-credit", Assert.Single(old.Reasons).Rule);
    }

    [Fact]
    public void Load_ExpressionNamingAnUndeclaredAttribute_FailsNamingFileRuleAttributeAndTheNearestDeclaredOne()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v => v["account"]!["billingCountry"] = Attribute("string"));
        rules.SetExpression("cash-value.json", "refund-denied", "c.Account.BillingCountyr != \"DE\"");

        var problem = Assert.Single(rules.LoadFails().Problems);

        Assert.Equal("cash-value.json", problem.File);
        Assert.Equal("refund-denied", problem.Rule);
        Assert.Contains("'BillingCountyr'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'BillingCountry'?", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InstantConstantWrittenAsADate_FailsNamingTheFileAndTheConstant()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v => v["constants"] = new JObject { ["CutOff"] = new JObject { ["type"] = "instant", ["value"] = "2027-01-01" } });

        var problem = Assert.Single(rules.LoadFails().Problems);

        Assert.Equal("vocabulary.json", problem.File);
        Assert.StartsWith("constants.CutOff.value: \"2027-01-01\" is a date; an instant needs a time and an offset", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CalAtGivenADateWithoutTime_FailsNamingTheFileAndRule()
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("cash-value.json", "refund-denied", "c.AsOf < Cal.At(\"2027-01-01\")");

        var problem = Assert.Single(rules.LoadFails().Problems);

        Assert.Equal(("cash-value.json", "refund-denied"), (problem.File, problem.Rule));
        Assert.Contains("\"2027-01-01\" is a date; an instant needs a time and an offset", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnumLiteralMisspeltInAnExpression_FailsWithTheDeclaredValues()
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("expiry.json", "promotional-default-expiry", "g.Kind == \"promotinal\" && g.ExpiresAt == null");

        var problem = Assert.Single(rules.LoadFails().Problems);

        Assert.Equal("promotional-default-expiry", problem.Rule);
        Assert.Contains("\"promotinal\" is not one of the values declared for it (usage, promotional), so it could never match; did you mean \"promotional\"?", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ConstantCutOffInstantAndEffectiveFrom_UsableInExpressions()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v => v["constants"] = new JObject { ["LaunchOfPromotions"] = new JObject { ["type"] = "instant", ["value"] = "2026-01-01T00:00:00Z" } });
        rules.EditWorkflow("terms.json", t => t["effectiveFrom"] = "2026-06-01T00:00:00Z");
        rules.AddRule("availability.json", new JObject
        {
            ["RuleName"] = "promotion-before-launch",
            ["SuccessEvent"] = "Promotional credits issued before promotions launched, or before these terms took effect, are not usable.",
            ["Expression"] = "g.Kind == \"promotional\" && (g.IssuedAt < LaunchOfPromotions || (c.EffectiveFrom != null && g.IssuedAt < c.EffectiveFrom.Value))",
            ["Properties"] = new JObject { ["clause"] = "A.2", ["scope"] = "grant", ["effect"] = "exclude", ["status"] = "not-launched" },
        });
        var (engine, catalogue) = Load(rules);
        Decision Use(string issuedAt) => engine.Decide(new CaseBuilder(catalogue).Promotional("p1", 10m, issuedAt).Use(5m));

        Assert.Equal(Outcome.Deny, Use("2025-12-01T00:00:00Z").Outcome);
        Assert.Equal(Outcome.Deny, Use("2026-03-01T00:00:00Z").Outcome);
        Assert.Equal(Outcome.Permit, Use("2026-07-01T00:00:00Z").Outcome);
    }

    [Fact]
    public void ReadCase_FieldTheVersionDoesNotDeclare_IsAProblemWithPathAndDidYouMean()
    {
        using var rules = new TempRuleDirectory();
        rules.EditWorkflow("vocabulary.json", v => v["account"]!["billingCountry"] = Attribute("string"));
        var (_, catalogue) = Load(rules);

        var read = catalogue.ReadCase(new CaseBuilder(catalogue).Account("billingCuntry", "DE").Json(new JObject { ["type"] = "balance" }));

        var problem = Assert.Single(read.Problems);
        Assert.Equal("account.billingCuntry", problem.Path);
        Assert.Equal("unknown field; did you mean 'billingCountry'?", problem.Message);
    }
}
