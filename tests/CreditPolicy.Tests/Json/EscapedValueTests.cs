using System.Text.Json.Nodes;
using CreditPolicy.Tests.Cli.Generation;
using NodaTime;

namespace CreditPolicy.Tests.Json;

/// <summary>Regression: instants and dates written with JSON escapes are the same text (System.Text.Json escapes '+' by default).</summary>
public sealed class EscapedValueTests
{
    private const string Case = """
        {"asOf":"2026-11-25T15:00:00+05:00","account":{"id":"a","status":"open"},
         "grants":[{"id":"g","kind":"usage","holderAccountId":"a","amount":1,"remaining":1,"issuedAt":"2026-01-01T00:00:00+05:45"}],
         "request":{"type":"balance"}}
        """;

    [Fact]
    public void ReadCase_InstantsWithEscapedPlus_ReadAsTheSameInstants()
    {
        var escaped = Case.Replace("+", "\\u002B", StringComparison.Ordinal);

        var plain = TestCases.Read(Case);
        var read = TestCases.Read(escaped);

        Assert.Equal(Instant.FromUtc(2026, 11, 25, 10, 0), read.AsOf);
        Assert.Equal(plain.AsOf, read.AsOf);
        Assert.Equal(plain.Grants[0].Get("issuedAt"), read.Grants[0].Get("issuedAt"));
    }

    [Fact]
    public void ReadCase_WrittenBySystemTextJsonDefaults_IsValid()
    {
        var node = JsonNode.Parse(Case)!;
        node["asOf"] = new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.FromHours(5)).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

        var json = node.ToJsonString();
        var read = TestCases.Read(json);

        Assert.Contains("\\u002B05:00", json, StringComparison.Ordinal);
        Assert.Equal(Instant.FromUtc(2026, 11, 25, 10, 0), read.AsOf);
    }

    [Fact]
    public void ReadCase_EscapedDate_ReadsAsTheSameDate()
    {
        var catalogue = GenerationFixtures.Catalogue(GenerationFixtures.EveryType);
        var json = Case.Replace("\"status\":\"open\"", "\"status\":\"open\",\"birthday\":\"2020\\u002D02-29\"", StringComparison.Ordinal);

        var read = TestCases.Read(json, catalogue);

        Assert.Equal(new LocalDate(2020, 2, 29), read.Account.Get("birthday"));
    }

    [Fact]
    public void ReadCase_EscapedLoneSurrogateAsAnInstant_IsAProblemNamingTheField()
    {
        var json = Case.Replace("\"asOf\":\"2026-11-25T15:00:00+05:00\"", "\"asOf\":\"\\uD800\"", StringComparison.Ordinal);

        var problems = TestCases.Problems(json);

        Assert.Contains(problems, p => p.Path == "asOf" && p.Message.StartsWith("expected an ISO-8601 instant", StringComparison.Ordinal));
    }
}
