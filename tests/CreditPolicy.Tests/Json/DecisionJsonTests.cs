using CreditPolicy.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Json;

public sealed class DecisionJsonTests
{
    [Fact]
    public void Serialize_Evaluation_IsTheDecisionFollowedByItsTrace()
    {
        var evaluation = new CreditPolicyEngine(BundledRules.RuleSet).Explain(TestCases.Example("use-expired.json"));

        var plain = DecisionJson.Serialize(evaluation.Decision, indented: false);
        var traced = DecisionJson.Serialize(evaluation, indented: false);

        Assert.StartsWith(plain[..^1] + ",\"trace\":[", traced, StringComparison.Ordinal);
        var trace = (JArray)JToken.ReadFrom(CaseJson.CreateReader(new StringReader(traced)))["trace"]!;
        Assert.Equal(evaluation.Trace.Count, trace.Count);
        var expired = trace.Single(t => (string?)t["rule"] == "grant-expired" && (string?)t["grantId"] == "g1");
        Assert.True((bool)expired["fired"]!);
        Assert.Equal("status expired", (string?)expired["detail"]);
        Assert.Equal("2026-11-21T09:00:00Z", (string?)expired["values"]!.Single(v => (string?)v["expression"] == "g.Expiry")!["value"]);
    }

    [Fact]
    public void Serialize_TraceValues_KeepTheirJsonTypes()
    {
        var evaluation = new CreditPolicyEngine(BundledRules.RuleSet).Explain(TestCases.Example("use-expired.json"));

        var traced = DecisionJson.Serialize(evaluation, indented: false);

        Assert.Contains("""{"rule":"use-insufficient-credits","clause":"A.1","scope":"request","fired":true,"values":[{"expression":"c.Available","value":0},{"expression":"c.Request.Amount","value":12.50}]}""", traced, StringComparison.Ordinal);
        Assert.Contains("""{"expression":"g.ExpiresAt","value":null}""", traced, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_Decision_EndsWithTheRecord()
    {
        var decision = new CreditPolicyEngine(BundledRules.RuleSet).Decide(TestCases.Example("use.json"));

        var json = DecisionJson.Serialize(decision, indented: false);

        Assert.EndsWith($",\"asOf\":\"2026-11-25T10:00:00Z\",\"record\":{{\"id\":\"{decision.Record!.Id}\",\"caseDigest\":\"{decision.Record.CaseDigest}\",\"libraryVersion\":\"{decision.Record.LibraryVersion}\"}}}}", json, StringComparison.Ordinal);
    }
}
