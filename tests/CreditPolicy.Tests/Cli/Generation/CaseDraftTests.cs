using System.Text;
using CreditPolicy.Cli.Generation;
using CreditPolicy.Json;
using CreditPolicy.Model.Contract;
using NodaTime;

namespace CreditPolicy.Tests.Cli.Generation;

public sealed class CaseDraftTests
{
    private static CaseContract Contract => BundledRules.RuleSet.Contract;

    [Fact]
    public void Write_Decimals_KeepTheirOwnDigitsAndScale()
    {
        var draft = Draft();
        Set(draft.Grants[0], "amount", 79228162514264337593543950335m);
        Set(draft.Grants[0], "remaining", 12.50m);
        Set(draft.Grants[1], "amount", 20m);
        Set(draft.Grants[1], "remaining", 0.0001m);

        var json = draft.Write(new StringBuilder());

        Assert.Contains("\"amount\":79228162514264337593543950335,", json, StringComparison.Ordinal);
        Assert.Contains("\"remaining\":12.50,", json, StringComparison.Ordinal);
        Assert.Contains("\"amount\":20,", json, StringComparison.Ordinal);
        Assert.Contains("\"remaining\":0.0001,", json, StringComparison.Ordinal);
        Assert.Equal(12.50m, TestCases.Read(json).Grants[0].Remaining);
        Assert.Equal(2, decimal.GetBits(TestCases.Read(json).Grants[0].Remaining)[3] >> 16 & 0xFF);
    }

    [Fact]
    public void Write_Strings_EscapesOnlyQuotesAndBackslashesUnlessAskedToEscapeNonAscii()
    {
        var draft = Draft();
        Set(draft.Account, "id", "a\"b\\c é😀");
        Set(draft.Grants[0], "holderAccountId", "a\"b\\c é😀");

        var raw = draft.Write(new StringBuilder());
        draft.EscapeNonAscii = true;
        var escaped = draft.Write(new StringBuilder());

        Assert.Contains("\"id\":\"a\\\"b\\\\c é😀\"", raw, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"a\\\"b\\\\c \\u00E9\\uD83D\\uDE00\"", escaped, StringComparison.Ordinal);
        Assert.Equal("a\"b\\c é😀", TestCases.Read(raw).Account.Id);
        Assert.Equal("a\"b\\c é😀", TestCases.Read(escaped).Account.Id);
        Assert.DoesNotContain('\n', raw);
    }

    [Fact]
    public void Write_LocalInstants_UseTheOffsetOfTheZoneAtThatInstant()
    {
        var draft = Draft();
        draft.Zone = DateTimeZoneProviders.Tzdb["America/New_York"];
        draft.AsOf = Instant.FromUtc(2026, 11, 25, 10, 0);
        draft.AsOfLocal = true;
        Set(draft.Grants[0], "issuedAt", new When(Instant.FromUtc(2026, 7, 1, 12, 0) + Duration.FromTicks(1), true));
        Set(draft.Grants[0], "confirmedAt", null);

        var json = draft.Write(new StringBuilder());

        Assert.Contains("\"asOf\":\"2026-11-25T05:00:00-05:00\"", json, StringComparison.Ordinal);
        Assert.Contains("\"issuedAt\":\"2026-07-01T08:00:00.0000001-04:00\"", json, StringComparison.Ordinal);
        Assert.Equal(Instant.FromUtc(2026, 11, 25, 10, 0), TestCases.Read(json).AsOf);
    }

    [Fact]
    public void Write_LocalMeanTimeOffset_FallsBackToUtc()
    {
        // New York kept local mean time (-04:56:02) until 1883: not an offset RFC 3339 can write.
        var draft = Draft();
        draft.Zone = DateTimeZoneProviders.Tzdb["America/New_York"];
        draft.AsOf = Instant.FromUtc(1880, 6, 1, 12, 0);
        draft.AsOfLocal = true;

        var json = draft.Write(new StringBuilder());

        Assert.Contains("\"asOf\":\"1880-06-01T12:00:00Z\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-25T10:00:00Z", 0)]
    [InlineData("2026-11-25T10:00:00.0000001Z", -5 * 3600)]
    [InlineData("2024-02-29T23:59:59.9999999Z", 13 * 3600 + 45 * 60)]
    [InlineData("2011-12-30T10:00:00.5Z", 14 * 3600)]
    [InlineData("0001-01-01T00:00:00Z", 0)]
    [InlineData("9999-12-31T23:59:59.123Z", -9 * 3600 - 30 * 60)]
    public void AppendIso_AnyInstantAndOffset_WritesWhatNodaTimesRfc3339PatternWrites(string instant, int offsetSeconds)
    {
        var value = NodaTime.Text.InstantPattern.ExtendedIso.Parse(instant).Value.WithOffset(Offset.FromSeconds(offsetSeconds));
        var sb = new StringBuilder();

        CaseDraft.AppendIso(sb, value);

        Assert.Equal(NodaTime.Text.OffsetDateTimePattern.Rfc3339.Format(value), sb.ToString());
    }

    [Fact]
    public void Write_AnyFieldOrder_ReadsBackAsTheSameCase()
    {
        var draft = Draft();
        var first = CanonicalCase.Serialize(TestCases.Read(draft.Write(new StringBuilder())));

        draft.EnvelopeOrder = 2;
        draft.TypeLast = true;
        draft.Account.Order = Enumerable.Range(0, Contract.Account.Attributes.Count).Reverse().ToArray();
        draft.Grants[1].Order = Enumerable.Range(0, Contract.Grant.Attributes.Count).Reverse().ToArray();
        var json = draft.Write(new StringBuilder());

        Assert.StartsWith("{\"request\":{\"amount\":12.50,\"requestedBy\":\"acct_1\",\"type\":\"use\"},\"asOf\":", json, StringComparison.Ordinal);
        Assert.Contains("\"timeZone\":\"Etc/UTC\",\"status\":\"open\",\"id\":\"acct_1\"},\"grants\":", json, StringComparison.Ordinal);
        Assert.Equal(first, CanonicalCase.Serialize(TestCases.Read(json)));
    }

    [Fact]
    public void Write_AbsentAndNull_LeaveTheFieldOutOrWriteNull()
    {
        var draft = Draft();
        Set(draft.Grants[0], "confirmedAt", JsonNull.Value);
        Set(draft.Grants[1], "confirmedAt", null);

        var json = draft.Write(new StringBuilder());
        var read = TestCases.Read(json);

        Assert.Contains("\"confirmedAt\":null", json, StringComparison.Ordinal);
        Assert.Equal(1, json.Split("confirmedAt").Length - 1);
        Assert.Null(read.Grants[0].Get("confirmedAt"));
        Assert.Null(read.Grants[1].Get("confirmedAt"));
    }

    [Theory]
    [InlineData("grants[1].remaining", "grant", "remaining")]
    [InlineData("account.balanceMaintenance.threshold", "account.balanceMaintenance", "threshold")]
    [InlineData("account.closedAt", "account", "closedAt")]
    [InlineData("request.amount", "request 'use'", "amount")]
    public void Resolve_ProblemPath_NamesTheAttributeAndItsObject(string path, string entity, string attribute)
    {
        var draft = Draft();

        var target = draft.Resolve(path);

        Assert.Equal(PathKind.Attribute, target.Kind);
        Assert.Equal(entity, target.Owner!.Entity.Path);
        Assert.Equal(attribute, target.Attribute!.Name);
        Assert.Equal(path.StartsWith("grants[1]", StringComparison.Ordinal) ? draft.Grants[1] : null, target.Grant);
    }

    [Theory]
    [InlineData("asOf", "AsOf")]
    [InlineData("account.termsVersion", "Pin")]
    [InlineData("grants[7].remaining", "Unknown")]
    [InlineData("grants[1]", "Unknown")]
    [InlineData("request.type", "Unknown")]
    [InlineData("$", "Unknown")]
    public void Resolve_OtherPaths_SayWhatTheyName(string path, string kind)
    {
        Assert.Equal(Enum.Parse<PathKind>(kind), Draft().Resolve(path).Kind);
    }

    /// <summary>A valid draft under the bundled vocabulary: an open account with Balance Maintenance, two grants and a use request.</summary>
    private static CaseDraft Draft()
    {
        var account = new DraftObject(Contract.Account);
        Set(account, "id", "acct_1");
        Set(account, "status", "open");
        Set(account, "timeZone", "Etc/UTC");
        var maintenance = new DraftObject(Contract.Account.Find("balanceMaintenance")!.Object!);
        Set(maintenance, "enabled", true);
        Set(maintenance, "threshold", 10m);
        Set(maintenance, "reloadAmount", 50m);
        Set(account, "balanceMaintenance", maintenance);
        var grants = new List<DraftObject>();
        foreach (var (id, kind) in new[] { ("g1", "usage"), ("g2", "promotional") })
        {
            var grant = new DraftObject(Contract.Grant);
            Set(grant, "id", id);
            Set(grant, "kind", kind);
            Set(grant, "holderAccountId", "acct_1");
            Set(grant, "amount", 20m);
            Set(grant, "remaining", 10m);
            Set(grant, "issuedAt", new When(Instant.FromUtc(2026, 1, 5, 0, 0), false));
            Set(grant, "confirmedAt", new When(Instant.FromUtc(2026, 1, 5, 1, 0), false));
            grants.Add(grant);
        }

        var request = new DraftObject(Contract.Requests["use"].Fields);
        Set(request, "amount", 12.50m);
        Set(request, "requestedBy", "acct_1");
        return new CaseDraft
        {
            AsOf = Instant.FromUtc(2026, 11, 25, 10, 0),
            Account = account,
            Grants = grants,
            RequestType = "use",
            Request = request,
        };
    }

    private static void Set(DraftObject o, string name, object? value) => o[o.Entity.Find(name)!] = value;
}
