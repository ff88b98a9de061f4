using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Scenarios;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Tests.Json;

public sealed class CanonicalCaseTests
{
    private const string UseCase = """
        {
          "asOf": "2026-11-25T10:00:00Z",
          "account": { "id": "acct_1", "status": "open", "timeZone": "America/New_York" },
          "grants": [
            { "id": "g1", "kind": "usage", "holderAccountId": "acct_1", "amount": 100.00, "remaining": 40.00,
              "issuedAt": "2026-02-01T09:00:00Z", "confirmedAt": "2026-02-01T10:00:00Z" },
            { "id": "g2", "kind": "promotional", "holderAccountId": "acct_1", "amount": 20, "remaining": 20,
              "issuedAt": "2026-01-05T00:00:00Z" }
          ],
          "request": { "type": "use", "amount": 12.50, "requestedBy": "acct_1" }
        }
        """;

    // The same case: keys reordered, other whitespace, a byte-order mark, grants in the other order, instants written with
    // other offsets, defaults (a kind's source, the optional objects and fields) spelt out, and absent fields given as null.
    private const string SameCaseReformatted = "\ufeff" + """
        {"request":{"requestedBy":"acct_1","type":"use","amount":12.50},
         "grants":[{"source":"promotion","issuedAt":"2026-01-05T01:00:00+01:00","remaining":20,"amount":20,
                    "holderAccountId":"acct_1","kind":"promotional","id":"g2","expiresAt":null,"confirmedAt":null},
                   {"source":"purchase","confirmedAt":"2026-02-01T10:00:00Z","issuedAt":"2026-02-01T04:00:00-05:00",
                    "remaining":40.00,"amount":100.00,"holderAccountId":"acct_1","kind":"usage","id":"g1","expiresAt":null}],
         "account":{"termsVersion":null,"balanceMaintenance":null,"timeZone":"America/New_York","closedAt":null,"status":"open","id":"acct_1"},
         "asOf":"2026-11-25T05:00:00-05:00"}
        """;

    [Fact]
    public void Digest_KeyOrderWhitespaceOffsetsDefaultsNullsAndGrantOrder_DoNotChangeIt()
    {
        Assert.Equal(CanonicalCase.Digest(TestCases.Read(UseCase)), CanonicalCase.Digest(TestCases.Read(SameCaseReformatted)));
        Assert.Equal(CanonicalCase.Serialize(TestCases.Read(UseCase)), CanonicalCase.Serialize(TestCases.Read(SameCaseReformatted)));
    }

    [Fact]
    public void Digest_OmittedTimeZoneAndItsDefault_AreTheSameCase()
    {
        var omitted = UseCase.Replace(", \"timeZone\": \"America/New_York\"", "", StringComparison.Ordinal);
        var spelt = UseCase.Replace("\"America/New_York\"", "\"Etc/UTC\"", StringComparison.Ordinal);

        Assert.NotEqual(UseCase, omitted);
        Assert.Equal(CanonicalCase.Digest(TestCases.Read(omitted)), CanonicalCase.Digest(TestCases.Read(spelt)));
    }

    /// <summary>Edits of <see cref="UseCase"/> that make it another case: each must change the digest.</summary>
    public static TheoryData<string, string, string> OtherCases => new()
    {
        { "another amount", "\"amount\": 12.50", "\"amount\": 12.51" },
        { "12.5 for 12.50", "\"amount\": 12.50", "\"amount\": 12.5" },
        { "20.0 for 20", "\"amount\": 20, \"remaining\": 20", "\"amount\": 20.0, \"remaining\": 20" },
        { "a pin", "\"status\": \"open\",", "\"status\": \"open\", \"termsVersion\": \"2026-11-24\"," },
        { "another asOf by a nanosecond", "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": \"2026-11-25T10:00:00.000000001Z\"" },
        { "another zone", "\"America/New_York\"", "\"America/Chicago\"" },
        { "another holder", "\"holderAccountId\": \"acct_1\", \"amount\": 100.00", "\"holderAccountId\": \"acct_2\", \"amount\": 100.00" },
        { "another grant id", "\"id\": \"g2\"", "\"id\": \"g3\"" },
        { "an indicated expiry", "\"issuedAt\": \"2026-01-05T00:00:00Z\" }", "\"issuedAt\": \"2026-01-05T00:00:00Z\", \"expiresAt\": \"2027-01-05T00:00:00Z\" }" },
        { "a source other than the kind's", "\"issuedAt\": \"2026-01-05T00:00:00Z\" }", "\"issuedAt\": \"2026-01-05T00:00:00Z\", \"source\": \"purchase\" }" },
        { "a maintenance object", "\"timeZone\": \"America/New_York\" }", "\"timeZone\": \"America/New_York\", \"balanceMaintenance\": { \"enabled\": false, \"threshold\": 0, \"reloadAmount\": 0 } }" },
        { "another requester", "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_2\"" },
        { "a differently cased id", "\"id\": \"acct_1\"", "\"id\": \"ACCT_1\"" },
        { "an id with a trailing space", "\"id\": \"acct_1\"", "\"id\": \"acct_1 \"" },
    };

    [Theory]
    [MemberData(nameof(OtherCases))]
    public void Digest_AnotherCase_ChangesIt(string what, string oldText, string newText)
    {
        Assert.Contains(oldText, UseCase, StringComparison.Ordinal);
        var other = UseCase.Replace(oldText, newText, StringComparison.Ordinal);

        Assert.True(CanonicalCase.Digest(TestCases.Read(UseCase)) != CanonicalCase.Digest(TestCases.Read(other)), what);
    }

    [Fact]
    public void Digest_PinnedToDifferentVersions_DiffersForEachAndFromUnpinned()
    {
        var catalogue = RuleCatalogue.Load(TestPaths.VersionedRules);
        string Pinned(string? version) => CanonicalCase.Digest(TestCases.Read(
            version is null ? UseCase : UseCase.Replace("\"status\": \"open\",", $"\"status\": \"open\", \"termsVersion\": \"{version}\",", StringComparison.Ordinal),
            catalogue));

        string?[] pins = [null, TestPaths.CurrentVersion, TestPaths.LaterVersion];

        Assert.Equal(3, pins.Select(Pinned).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Serialize_UseCase_WritesEveryFieldInContractOrderInUtcWithGrantsById()
    {
        var json = CanonicalCase.Serialize(TestCases.Read(SameCaseReformatted));

        Assert.Equal(
            """{"asOf":"2026-11-25T10:00:00Z","account":{"id":"acct_1","status":"open","closedAt":null,"timeZone":"America/New_York","balanceMaintenance":null,"termsVersion":null},"""
            + "\"grants\":" + """[{"id":"g1","kind":"usage","holderAccountId":"acct_1","amount":100.00,"remaining":40.00,"issuedAt":"2026-02-01T09:00:00Z","confirmedAt":"2026-02-01T10:00:00Z","expiresAt":null,"source":"purchase"},"""
            + """{"id":"g2","kind":"promotional","holderAccountId":"acct_1","amount":20,"remaining":20,"issuedAt":"2026-01-05T00:00:00Z","confirmedAt":null,"expiresAt":null,"source":"promotion"}],"""
            + "\"request\":" + """{"type":"use","amount":12.50,"requestedBy":"acct_1"}}""",
            json);
    }

    [Fact]
    public void Serialize_PinnedAccountWithMaintenance_WritesThePinAfterTheDeclaredAttributes()
    {
        var json = CanonicalCase.Serialize(TestCases.Read(UseCase.Replace(
            "\"timeZone\": \"America/New_York\" }",
            "\"termsVersion\": \"2026-11-24\", \"timeZone\": \"America/New_York\", \"balanceMaintenance\": { \"reloadAmount\": 50.00, \"enabled\": true, \"threshold\": 10 } }",
            StringComparison.Ordinal)));

        Assert.Contains(
            "\"account\":" + """{"id":"acct_1","status":"open","closedAt":null,"timeZone":"America/New_York","balanceMaintenance":{"enabled":true,"threshold":10,"reloadAmount":50.00,"paymentMethodOnFile":false,"optedOutAt":null,"pendingReloadAmount":0},"termsVersion":"2026-11-24"},""",
            json,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_GrantIds_AreSortedOrdinallyNotNaturally()
    {
        var grants = string.Join(",", new[] { "g2", "g10", "G1", "g1", "é", "_" }.Select(id =>
            $$"""{"id":"{{id}}","kind":"promotional","holderAccountId":"a","amount":1,"remaining":1,"issuedAt":"2026-01-01T00:00:00Z"}"""));
        var @case = TestCases.Read($$$"""{"asOf":"2026-11-25T10:00:00Z","account":{"id":"a","status":"open"},"grants":[{{{grants}}}],"request":{"type":"balance"}}""");

        var read = TestCases.Read(CanonicalCase.Serialize(@case));

        Assert.Equal(["G1", "_", "g1", "g10", "g2", "é"], read.Grants.Select(g => g.Id));
    }

    [Fact]
    public void Serialize_ShuffledGrants_SameBytesWhateverTheOrder()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var grants = Enumerable.Range(0, 40).Select(i =>
            $$"""{"id":"g{{i}}","kind":"{{(i % 3 == 0 ? "usage" : "promotional")}}","holderAccountId":"a","amount":{{i}}.5,"remaining":{{i}},"issuedAt":"2026-01-{{1 + i % 28:D2}}T00:00:00Z"}""").ToArray();
        string Case(IEnumerable<string> gs) => $$$"""{"asOf":"2026-11-25T10:00:00Z","account":{"id":"a","status":"open"},"grants":[{{{string.Join(",", gs)}}}],"request":{"type":"closeAccount"}}""";
        var expected = CanonicalCase.Serialize(TestCases.Read(Case(grants)));

        for (var i = 0; i < 20; i++)
        {
            var shuffled = grants.OrderBy(_ => random.Next()).ToArray();

            Assert.True(expected == CanonicalCase.Serialize(TestCases.Read(Case(shuffled))), $"seed {seed}, shuffle {i}");
        }
    }

    public static TheoryData<string> Examples() => new(Directory.GetFiles(TestPaths.Examples, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Serialize_Example_ReadsBackToTheSameCanonicalBytes(string example)
    {
        var original = TestCases.Example(example);

        AssertRoundTrip(original, BundledRules.Catalogue, example);
    }

    [Theory]
    [MemberData(nameof(Scenarios.ScenarioRunnerTests.ScenarioFiles), MemberType = typeof(Scenarios.ScenarioRunnerTests))]
    public void Serialize_ScenarioCase_ReadsBackToTheSameCanonicalBytes(string rules, string version, string file)
    {
        var catalogue = Scenarios.ScenarioRunnerTests.CatalogueOf(rules);
        var (scenarios, _) = ScenarioRunner.Discover(Path.Combine(Scenarios.ScenarioRunnerTests.ScenarioRoot(rules, version), ScenarioRunner.TestsFolder));
        var read = catalogue.ReadCase(scenarios.Single(s => s.File == file).Case.Span);
        if (!read.IsValid) return; // a scenario may expect its case to be refused; the reader's tests cover those

        AssertRoundTrip(read.Case!, catalogue, file);
    }

    [Fact]
    public void Serialize_ExtremeValues_ReadBackToTheSameCanonicalBytes()
    {
        var @case = TestCases.Read("""
            {"asOf":"2026-11-25T10:00:00.123456789+05:30",
             "account":{"id":"acct_\u00e9\ud83d\ude00<&'+\"\\/","status":"open","timeZone":"Pacific/Kiritimati"},
             "grants":[{"id":"g\u2028","kind":"usage","holderAccountId":"x","amount":79228162514264337593543950335,
                        "remaining":0.0000000000000000000000000001,"issuedAt":"0001-01-01T00:00:00+14:00","confirmedAt":"0001-01-01T00:00:00Z"},
                       {"id":"g0","kind":"promotional","holderAccountId":"x","amount":1E2,"remaining":-0.00,"issuedAt":"2026-11-25T04:30:00.123456789Z"}],
             "request":{"type":"use","amount":0.0000000000000000000000000001,"requestedBy":"acct_\u00e9"}}
            """);

        var json = AssertRoundTrip(@case, BundledRules.Catalogue, "extremes");

        Assert.Contains("\"asOf\":\"2026-11-25T04:30:00.123456789Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"amount\":79228162514264337593543950335,\"remaining\":0.0000000000000000000000000001,\"issuedAt\":\"0000-12-31T10:00:00Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"amount\":100,\"remaining\":0.00,", json, StringComparison.Ordinal);
        Assert.Equal("acct_é😀<&'+\"\\/", TestCases.Read(json).Account.Id);
    }

    [Fact]
    public void Digest_IsTheSha256OfTheCanonicalUtf8()
    {
        var @case = TestCases.Read(UseCase);

        var expected = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalCase.Serialize(@case))));

        Assert.Equal(expected, CanonicalCase.Digest(@case));
    }

    [Fact]
    public void FormatIso_RandomInstants_WritesWhatExtendedIsoWrites()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        Span<byte> utf8 = stackalloc byte[32];
        for (var i = 0; i < 20_000; i++)
        {
            // Whole seconds, milliseconds, ticks and nanoseconds, across years 0001-9999.
            var seconds = random.NextInt64(Instant.FromUtc(1, 1, 1, 0, 0).ToUnixTimeSeconds(), Instant.FromUtc(9999, 12, 31, 23, 59, 59).ToUnixTimeSeconds());
            var nanos = (i % 4) switch { 0 => 0L, 1 => random.Next(1000) * 1_000_000L, 2 => random.Next(10_000_000) * 100L, _ => random.Next(1_000_000_000) };
            var instant = Instant.FromUnixTimeSeconds(seconds).PlusNanoseconds(nanos);

            var length = CanonicalCase.FormatIso(instant, utf8);

            Assert.True(InstantPattern.ExtendedIso.Format(instant) == Encoding.UTF8.GetString(utf8[..length]), $"seed {seed}: {InstantPattern.ExtendedIso.Format(instant)}");
        }
    }

    /// <summary>Read, canonical, read again, canonical again: the bytes are identical and so is the digest.</summary>
    private static string AssertRoundTrip(CreditCase original, RuleCatalogue catalogue, string context)
    {
        var json = CanonicalCase.Serialize(original);
        var again = catalogue.ReadCase(Encoding.UTF8.GetBytes(json));

        Assert.True(again.IsValid, $"{context}: {string.Join("; ", again.Problems)}{Environment.NewLine}{json}");
        Assert.Equal(json, CanonicalCase.Serialize(again.Case!));
        Assert.Equal(CanonicalCase.Digest(original), CanonicalCase.Digest(again.Case!));
        Assert.Equal(original.Account.TermsVersion, again.Case!.Account.TermsVersion);
        return json;
    }
}
