using System.Globalization;
using System.Text;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Benchmarks;

/// <summary>The cases the benchmarks decide: live grants of both kinds in a zone with daylight saving, read against the bundled vocabulary.</summary>
internal static class Cases
{
    public static readonly Instant AsOf = Instant.FromUtc(2026, 11, 25, 10, 0);

    private const string Account = """{"id":"acct_1","status":"open","timeZone":"America/New_York","balanceMaintenance":{"enabled":true,"threshold":10,"reloadAmount":50,"paymentMethodOnFile":true,"pendingReloadAmount":PENDING}}""";

    /// <summary>
    /// <paramref name="count"/> live grants, alternating usage and promotional, issued on different days, each with 10.00
    /// remaining (or 0 but the first, when <paramref name="low"/>); the promotional ones expire 30 to 129 days after
    /// <see cref="AsOf"/>, so every grant is live and a use of all but 5.50 of them is permitted.
    /// </summary>
    public static string Grants(int count, bool low = false)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < count; i++)
        {
            var issued = Instant.FromUtc(2026, 1, 1, 9, 0) + Duration.FromDays(i * 3 % 300);
            var remaining = low ? (i == 0 ? "5.00" : "0") : "10.00";
            if (i > 0) sb.Append(',');
            sb.Append(i % 2 == 0
                ? $$"""{"id":"g{{i:D5}}","kind":"usage","holderAccountId":"acct_1","amount":25,"remaining":{{remaining}},"issuedAt":"{{At(issued)}}","confirmedAt":"{{At(issued + Duration.FromHours(1))}}","source":"purchase"}"""
                : $$"""{"id":"g{{i:D5}}","kind":"promotional","holderAccountId":"acct_1","amount":10,"remaining":{{remaining}},"issuedAt":"{{At(issued)}}","expiresAt":"{{At(AsOf + Duration.FromDays(30 + i % 100))}}"}""");
        }

        return sb.Append(']').ToString();
    }

    public static string Json(int grants, string request, bool low = false, decimal pending = 0m) =>
        $$"""{"asOf":"{{At(AsOf)}}","account":{{Account.Replace("PENDING", pending.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)}},"grants":{{Grants(grants, low)}},"request":{{request}}}""";

    /// <summary>A use drawing on most of the grants (so the draw order is exercised, not just the first grant).</summary>
    public static string UseJson(int grants) => Json(grants, $$"""{"type":"use","amount":{{(grants * 10m - 5.50m).ToString(CultureInfo.InvariantCulture)}},"requestedBy":"acct_1"}""");

    public static string RefundJson() => Json(1, """{"type":"refund","grantId":"g00000"}""");

    /// <summary>A reload with the balance at the threshold: 5.00 left on one grant plus 5.00 pending.</summary>
    public static string ReloadJson(int grants) => Json(grants, """{"type":"reload"}""", low: true, pending: 5.00m);

    public static string CloseJson(int grants) => Json(grants, """{"type":"closeAccount"}""");

    public static CreditCase Read(RuleCatalogue catalogue, string json)
    {
        var read = catalogue.ReadCase(json);
        return read.IsValid ? read.Case! : throw new InvalidOperationException(string.Join("; ", read.Problems));
    }

    private static string At(Instant i) => InstantPattern.ExtendedIso.Format(i);

    public static string RulesDirectory { get; } = FindRules();

    private static string FindRules()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var rules = Path.Combine(dir.FullName, "rules");
            if (File.Exists(Path.Combine(dir.FullName, "CreditPolicy.sln")) && Directory.Exists(rules)) return rules;
        }

        throw new InvalidOperationException("rules/ not found above " + AppContext.BaseDirectory);
    }
}
