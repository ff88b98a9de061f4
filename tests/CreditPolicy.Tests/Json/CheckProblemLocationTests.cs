using System.Text;

namespace CreditPolicy.Tests.Json;

/// <summary>Regression: a large case failing a declared check on every grant reports and locates every problem (one pass over the document, not a rescan per problem).</summary>
public sealed class CheckProblemLocationTests
{
    [Fact]
    public void ReadCase_ThousandsOfFailingChecks_ReportsAndLocatesEveryProblem()
    {
        var json = new StringBuilder("""{"asOf":"2026-11-25T10:00:00Z","account":{"id":"a","status":"open"},"grants":[""");
        for (var i = 0; i < 20_000; i++)
        {
            if (i > 0) json.Append(',');
            json.Append($$"""{"id":"g{{i}}","kind":"usage","holderAccountId":"a","amount":1,"remaining":2,"issuedAt":"2026-01-01T00:00:00Z"}""");
        }

        json.Append("""],"request":{"type":"balance"}}""");
        var problems = TestCases.Problems(json.ToString());

        Assert.Equal(20_000, problems.Count);
        Assert.All(problems, p => Assert.Equal("must not exceed amount", p.Message));
        Assert.Equal("grants[19999].remaining", problems[^1].Path);
        Assert.All(problems, p => Assert.Equal(1, p.Line));
        var lastGrant = json.ToString().LastIndexOf("{\"id\":\"g19999\"", StringComparison.Ordinal);
        Assert.True(problems[^1].Column > lastGrant, $"column {problems[^1].Column} is before the last grant at {lastGrant}");
    }
}
