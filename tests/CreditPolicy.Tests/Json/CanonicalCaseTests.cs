using System.Text;
using CreditPolicy.Json;
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
              "issuedAt": "2026-02-01T09:00:00Z", "confirmedAt": "2026-02-01T10:00:00Z" }
          ],
          "request": { "type": "use", "amount": 12.50, "requestedBy": "acct_1" }
        }
        """;

    // The same case: keys reordered, other whitespace, asOf and issuedAt written with another offset, defaults spelt out.
    private const string SameCaseReformatted = """
        {"request":{"requestedBy":"acct_1","type":"use","amount":12.50},
         "grants":[{"source":"purchase","confirmedAt":"2026-02-01T10:00:00Z","issuedAt":"2026-02-01T04:00:00-05:00",
                    "remaining":40.00,"amount":100.00,"holderAccountId":"acct_1","kind":"usage","id":"g1","expiresAt":null}],
         "account":{"timeZone":"America/New_York","closedAt":null,"status":"open","id":"acct_1"},
         "asOf":"2026-11-25T05:00:00-05:00"}
        """;

    [Fact]
    public void Digest_KeyOrderWhitespaceOffsetsAndDefaults_DoNotChangeIt()
    {
        Assert.Equal(CanonicalCase.Digest(TestCases.Read(UseCase)), CanonicalCase.Digest(TestCases.Read(SameCaseReformatted)));
    }

    [Fact]
    public void Digest_DifferentAmount_ChangesIt()
    {
        var other = UseCase.Replace("\"amount\": 12.50", "\"amount\": 12.51", StringComparison.Ordinal);

        Assert.NotEqual(CanonicalCase.Digest(TestCases.Read(UseCase)), CanonicalCase.Digest(TestCases.Read(other)));
    }

    [Fact]
    public void Digest_AmountScale_ChangesIt()
    {
        // 12.5 and 12.50 give decisions that print different amounts, so they are different cases.
        var other = UseCase.Replace("\"amount\": 12.50", "\"amount\": 12.5", StringComparison.Ordinal);

        Assert.NotEqual(CanonicalCase.Digest(TestCases.Read(UseCase)), CanonicalCase.Digest(TestCases.Read(other)));
    }

    [Fact]
    public void Serialize_UseCase_WritesEveryFieldInContractOrderInUtc()
    {
        var json = CanonicalCase.Serialize(TestCases.Read(SameCaseReformatted));

        Assert.Equal(
            """{"asOf":"2026-11-25T10:00:00Z","account":{"id":"acct_1","status":"open","closedAt":null,"timeZone":"America/New_York","balanceMaintenance":null},"grants":[{"id":"g1","kind":"usage","holderAccountId":"acct_1","amount":100.00,"remaining":40.00,"issuedAt":"2026-02-01T09:00:00Z","confirmedAt":"2026-02-01T10:00:00Z","expiresAt":null,"source":"purchase"}],"request":{"type":"use","amount":12.50,"requestedBy":"acct_1","grantId":null,"toAccountId":null,"until":null}}""",
            json);
    }

    [Theory]
    [InlineData("use.json")]
    [InlineData("use-expired.json")]
    [InlineData("refund.json")]
    [InlineData("close-account.json")]
    public void Serialize_Example_ReadsBackToTheSameCase(string example)
    {
        var original = TestCases.Example(example);

        var json = CanonicalCase.Serialize(original);
        var again = TestCases.Read(json);

        Assert.Equal(json, CanonicalCase.Serialize(again));
        Assert.Equal(original.AsOf, again.AsOf);
        Assert.Equal(original.Account, again.Account);
        Assert.Equal(original.Grants, again.Grants);
        Assert.Equal(original.Request, again.Request);
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
}
