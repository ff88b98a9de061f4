using CreditPolicy.Cli.Generation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Tests.Cli.Generation;

public sealed class CaseJsonWriterTests
{
    private static readonly CreditCase Case = new(
        Instant.FromUtc(2026, 11, 25, 10, 0),
        new Account("acct_1", AccountStatuses.Open, null, "America/New_York",
            new BalanceMaintenance(true, 10.00m, 50m, true, null, 0.0001m)),
        [
            new Grant("g1", GrantKinds.Usage, "acct_1", 20m, 12.50m, Instant.FromUtc(2026, 2, 1, 9, 0), Instant.FromUtc(2026, 2, 1, 10, 0), null, GrantSources.Purchase),
            new Grant("g2", GrantKinds.Promotional, "acct_1", 79228162514264337593543950335m, 0.10m, Instant.FromUtc(2026, 1, 5, 0, 0) + Duration.FromTicks(1), null, Instant.FromUtc(2026, 12, 1, 0, 0), GrantSources.Promotion),
        ],
        new CreditRequest(RequestTypes.Use, Amount: 32.500m, RequestedBy: "acct_1"));

    [Fact]
    public void ToJson_Decimals_AreWrittenWithTheirOwnDigitsAndScale()
    {
        var json = CaseJsonWriter.ToJson(Case);

        Assert.Contains("\"amount\":20,", json, StringComparison.Ordinal);
        Assert.Contains("\"remaining\":12.50,", json, StringComparison.Ordinal);
        Assert.Contains("\"amount\":79228162514264337593543950335,", json, StringComparison.Ordinal);
        Assert.Contains("\"pendingReloadAmount\":0.0001", json, StringComparison.Ordinal);
        Assert.Contains("\"amount\":32.500,", json, StringComparison.Ordinal);
        Assert.Contains("\"issuedAt\":\"2026-01-05T00:00:00.0000001Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_DefaultStyle_LeavesOutDefaults()
    {
        var json = CaseJsonWriter.ToJson(Case);

        Assert.DoesNotContain("source", json, StringComparison.Ordinal);
        Assert.DoesNotContain("closedAt", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_LocalOffsets_WritesTheZoneOffsetOfEachInstant()
    {
        var json = CaseJsonWriter.ToJson(Case, new CaseJsonStyle(LocalOffsets: true, OmitDefaults: false));

        Assert.Contains("\"asOf\":\"2026-11-25T05:00:00-05:00\"", json, StringComparison.Ordinal);
        Assert.Contains("\"confirmedAt\":\"2026-02-01T05:00:00-05:00\"", json, StringComparison.Ordinal);
        Assert.Contains("\"source\":\"purchase\"", json, StringComparison.Ordinal);
        Assert.Contains("\"closedAt\":null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_LocalOffsetWithSeconds_FallsBackToUtc()
    {
        // New York kept local mean time (-04:56:02) until 1883: not an offset RFC 3339 can write.
        var old = Case with { AsOf = Instant.FromUtc(1880, 6, 1, 12, 0), Account = Case.Account with { TimeZone = "America/New_York" }, Grants = [] };

        var json = CaseJsonWriter.ToJson(old, new CaseJsonStyle(LocalOffsets: true));

        Assert.Contains("\"asOf\":\"1880-06-01T12:00:00Z\"", json, StringComparison.Ordinal);
        Assert.Equal(old.AsOf, CaseJson.Read(json).Case!.AsOf);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void ToJson_AnyStyle_ReadsBackAsTheSameCase(bool localOffsets, bool omitDefaults)
    {
        var json = CaseJsonWriter.ToJson(Case, new CaseJsonStyle(localOffsets, omitDefaults), indented: true);

        var read = CaseJson.Read(json);

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal(CaseJsonWriter.ToJson(Case), CaseJsonWriter.ToJson(read.Case!));
        Assert.Equal(32.500m, read.Case!.Request.Amount);
        Assert.Equal(3, decimal.GetBits(read.Case.Request.Amount!.Value)[3] >> 16 & 0xFF);
    }
}
