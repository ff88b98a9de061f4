using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Benchmarks;

/// <summary>The cases the benchmarks decide: live grants of both kinds in a zone with daylight saving.</summary>
internal static class Cases
{
    public static readonly Instant AsOf = Instant.FromUtc(2026, 11, 25, 10, 0);

    private static readonly Account Open = new("acct_1", AccountStatuses.Open, null, "America/New_York",
        new BalanceMaintenance(true, 10m, 50m, true, null, 0m));

    /// <summary><paramref name="count"/> live grants, alternating usage and promotional, issued on different days, each with 10.00 remaining.</summary>
    public static IReadOnlyList<Grant> Grants(int count) => Enumerable.Range(0, count).Select(i =>
    {
        var issued = Instant.FromUtc(2026, 1, 1, 9, 0) + Duration.FromDays(i * 3 % 300);
        return i % 2 == 0
            ? new Grant($"g{i:D3}", GrantKinds.Usage, "acct_1", 25m, 10.00m, issued, issued + Duration.FromHours(1), null, GrantSources.Purchase)
            : new Grant($"g{i:D3}", GrantKinds.Promotional, "acct_1", 10m, 10.00m, issued, null, issued + Duration.FromDays(200 + i), GrantSources.Promotion);
    }).ToArray();

    /// <summary>A use drawing on most of the grants (so the draw order is exercised, not just the first grant).</summary>
    public static CreditCase Use(int grants) => new(AsOf, Open, Grants(grants), new CreditRequest(RequestTypes.Use, Amount: grants * 10m - 5.50m, RequestedBy: "acct_1"));

    public static CreditCase Refund() => new(AsOf, Open, Grants(1), new CreditRequest(RequestTypes.Refund, GrantId: "g000"));

    /// <summary>A reload with the balance at the threshold: 5.00 left on one grant plus 5.00 pending.</summary>
    public static CreditCase Reload(int grants)
    {
        var low = Grants(grants).Select(g => g with { Remaining = 0m }).ToArray();
        low[0] = low[0] with { Remaining = 5.00m };
        return new(AsOf, Open with { BalanceMaintenance = Open.BalanceMaintenance! with { PendingReloadAmount = 5.00m } }, low, new CreditRequest(RequestTypes.Reload));
    }

    public static CreditCase Close(int grants) => new(AsOf, Open, Grants(grants), new CreditRequest(RequestTypes.CloseAccount));

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
