using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Json;

public sealed class DecisionJsonTests
{
    /// <summary>Parses JSON without turning ISO-8601 strings into dates, so strings are compared as written.</summary>
    private static JObject Parse(string json)
    {
        using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None };
        return JObject.Load(reader);
    }

    [Fact]
    public void Serialize_Decision_WritesEveryFieldInContractOrder()
    {
        var decision = BundledRules.Engine.Decide(TestCases.Example("use.json"));

        var json = Parse(DecisionJson.Serialize(decision));

        Assert.Equal(
            ["outcome", "reasons", "allocations", "forfeitures", "expirations", "reload", "balance", "movement", "rules", "asOf", "record"],
            json.Properties().Select(p => p.Name));
        Assert.Equal(["termsVersion", "digest", "tzdb"], ((JObject)json["rules"]!).Properties().Select(p => p.Name));
        Assert.Equal(["id", "caseDigest", "libraryVersion"], ((JObject)json["record"]!).Properties().Select(p => p.Name));
        Assert.Equal("permit", (string?)json["outcome"]);
        Assert.Equal(JTokenType.Null, json["movement"]!.Type);
    }

    [Fact]
    public void Serialize_Decision_EndsWithRulesAsOfAndTheRecord()
    {
        var decision = BundledRules.Engine.Decide(TestCases.Example("use.json"));

        var json = DecisionJson.Serialize(decision, indented: false);

        var rules = BundledRules.RuleSet.Identity;
        Assert.Equal(TestPaths.CurrentVersion, rules.TermsVersion);
        Assert.Equal(TimeZoneDatabase.Bundled.Version, rules.Tzdb);
        Assert.Matches("^[0-9]{4}[a-z]$", rules.Tzdb);
        Assert.EndsWith(
            $",\"movement\":null,\"rules\":{{\"termsVersion\":\"{rules.TermsVersion}\",\"digest\":\"{rules.Digest}\",\"tzdb\":\"{rules.Tzdb}\"}},\"asOf\":\"2026-11-25T10:00:00Z\","
            + $"\"record\":{{\"id\":\"{decision.Record!.Id}\",\"caseDigest\":\"{decision.Record.CaseDigest}\",\"libraryVersion\":\"{decision.Record.LibraryVersion}\"}}}}",
            json,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_DecisionWithoutRecord_LeavesTheRecordOut()
    {
        var decision = BundledRules.Engine.Decide(TestCases.Example("use.json")) with { Record = null };

        var json = Parse(DecisionJson.Serialize(decision));

        Assert.Null(json["record"]);
        Assert.Equal("2026-11-25T10:00:00Z", (string?)json["asOf"]);
    }

    [Fact]
    public void Serialize_IndentedOrNot_SameJson()
    {
        var decision = BundledRules.Engine.Decide(TestCases.Example("use-expired.json"));

        var indented = DecisionJson.Serialize(decision);
        var compact = DecisionJson.Serialize(decision, indented: false);

        Assert.Contains('\n', indented);
        Assert.DoesNotContain('\n', compact);
        Assert.True(JToken.DeepEquals(Parse(indented), Parse(compact)));
    }

    [Fact]
    public void Serialize_Amounts_KeepTheScaleTheCaseGave()
    {
        var decision = BundledRules.Engine.Decide(TestCases.Example("use.json"));

        var json = DecisionJson.Serialize(decision, indented: false);

        // The case asks for 32.50: 20 from the promotion (given as 20), 12.50 from the purchase.
        Assert.Contains("\"allocations\":[{\"grantId\":\"g2\",\"kind\":\"promotional\",\"amount\":20},{\"grantId\":\"g1\",\"kind\":\"usage\",\"amount\":12.50}]", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_PermittedTransfer_WritesTheMovement()
    {
        using var rules = new TempRuleDirectory();
        rules.RemoveRule("no-transfer.json", "transfer-denied");
        rules.AddRule("no-transfer.json", new JObject
        {
            ["RuleName"] = "transfer-moves-credits",
            ["SuccessEvent"] = "Credits move to the other account.",
            ["Expression"] = "c.Request.Amount <= c.Target.Remaining",
            ["Properties"] = new JObject
            {
                ["clause"] = "B.2",
                ["scope"] = "request",
                ["appliesTo"] = new JArray("transfer"),
                ["effect"] = "permit",
                ["produces"] = "movement",
                ["grant"] = "c.Request.GrantId",
                ["amount"] = "c.Request.Amount",
                ["to"] = "c.Request.ToAccountId",
            },
        });
        var engine = new CreditPolicyEngine(rules.Load());
        var @case = new CaseBuilder(engine.Catalogue).Usage("g1", 40.00m, "2026-02-01T10:00:00Z").Transfer("g1", "acct_2", 12.50m);

        var decision = engine.Decide(@case);
        var json = DecisionJson.Serialize(decision, indented: false);

        Assert.Equal(Outcome.Permit, decision.Outcome);
        Assert.Equal(new Movement("g1", "usage", 12.50m, "acct_2"), decision.Movement);
        Assert.Contains(",\"movement\":{\"grantId\":\"g1\",\"kind\":\"usage\",\"amount\":12.50,\"toAccountId\":\"acct_2\"},\"rules\":", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_DeniedTransferUnderTheBundledTerms_MovementIsNull()
    {
        var decision = BundledRules.Engine.Decide(new CaseBuilder().Usage("g1", 40.00m, "2026-02-01T10:00:00Z").Transfer("g1", "acct_2", 12.50m));

        var json = Parse(DecisionJson.Serialize(decision));

        Assert.Equal("deny", (string?)json["outcome"]);
        Assert.Equal("transfer-denied", (string?)json["reasons"]![0]!["rule"]);
        Assert.Equal(JTokenType.Null, json["movement"]!.Type);
    }

    [Fact]
    public void Serialize_Explanation_IsTheDecisionFollowedByItsTrace()
    {
        var evaluation = BundledRules.Engine.Explain(TestCases.Example("use-expired.json"));

        var plain = DecisionJson.Serialize(evaluation.Decision, indented: false);
        var traced = DecisionJson.Serialize(evaluation, indented: false);

        Assert.StartsWith(plain[..^1] + ",\"trace\":[", traced, StringComparison.Ordinal);
        var trace = (JArray)Parse(traced)["trace"]!;
        Assert.Equal(evaluation.Trace.Count, trace.Count);
        var expired = trace.Single(t => (string?)t["rule"] == "grant-expired" && (string?)t["grantId"] == "g1");
        Assert.True((bool)expired["fired"]!);
        Assert.Equal("status expired", (string?)expired["detail"]);
        Assert.Equal("2026-11-21T09:00:00Z", (string?)expired["values"]!.Single(v => (string?)v["expression"] == "g.Expiry")!["value"]);
    }

    [Fact]
    public void Serialize_TraceValues_KeepTheirJsonTypes()
    {
        var evaluation = BundledRules.Engine.Explain(TestCases.Example("use-expired.json"));

        var traced = DecisionJson.Serialize(evaluation, indented: false);

        Assert.Contains("""{"rule":"use-insufficient-credits","clause":"A.1","scope":"request","fired":true,"values":[{"expression":"c.Available","value":0},{"expression":"c.Request.Amount","value":12.50}]}""", traced, StringComparison.Ordinal);
        Assert.Contains("""{"expression":"c.AsOf","value":"2026-11-25T10:00:00Z"}""", traced, StringComparison.Ordinal);
        Assert.Contains("""{"expression":"g.ExpiryStatus","value":"expired"}""", traced, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Outcome.Permit, "permit")]
    [InlineData(Outcome.Deny, "deny")]
    [InlineData(Outcome.Indeterminate, "indeterminate")]
    public void OutcomeName_EachOutcome_IsItsContractName(Outcome outcome, string name) => Assert.Equal(name, DecisionJson.OutcomeName(outcome));
}
