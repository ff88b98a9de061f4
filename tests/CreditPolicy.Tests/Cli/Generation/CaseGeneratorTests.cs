using CreditPolicy.Cli.Generation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Tests.Cli.Generation;

public sealed class CaseGeneratorTests
{
    private const int Seed = 4242;

    private static readonly Lazy<IReadOnlyList<GeneratedCase>> Sample = new(() => new CaseGenerator(Seed).GenerateMany(6000).ToArray());

    [Fact]
    public void GenerateMany_SameSeed_GivesTheSameBytes()
    {
        var first = new CaseGenerator(Seed).GenerateMany(300).Select(g => CaseJsonWriter.ToJson(g.Json)).ToArray();
        var second = new CaseGenerator(Seed).GenerateMany(300).Select(g => CaseJsonWriter.ToJson(g.Json)).ToArray();
        var other = new CaseGenerator(Seed + 1).GenerateMany(300).Select(g => CaseJsonWriter.ToJson(g.Json)).ToArray();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal(300, first.Distinct().Count());
    }

    [Fact]
    public void Generate_OneIndex_IsTheSameCaseAsInTheRun()
    {
        var run = new CaseGenerator(Seed).GenerateMany(50).ToArray();

        var alone = new CaseGenerator(Seed).Generate(37);

        Assert.Equal(37, alone.Index);
        Assert.Equal(Seed, alone.Seed);
        Assert.Equal(CaseJsonWriter.ToJson(run[37].Json), CaseJsonWriter.ToJson(alone.Json));
    }

    [Fact]
    public void GenerateMany_EveryCase_IsValidAndReadsBackAsTheSameCase()
    {
        foreach (var g in Sample.Value)
        {
            Assert.True(CaseValidator.Validate(g.Case).Count == 0,
                $"case {g.Index} of seed {g.Seed} is invalid: {string.Join("; ", CaseValidator.Validate(g.Case))}\n{CaseJsonWriter.ToJson(g.Json)}");
            var text = CaseJsonWriter.ToJson(g.Json, indented: g.Index % 2 == 0);

            var read = CaseJson.Read(text);

            Assert.True(read.IsValid, $"case {g.Index} of seed {g.Seed} does not read back: {string.Join("; ", read.Problems)}\n{text}");
            Assert.Equal(CaseJsonWriter.ToJson(g.Case), CaseJsonWriter.ToJson(read.Case!));
        }
    }

    [Fact]
    public void GenerateMany_Sample_CoversEveryZoneRequestTypeAndAccountState()
    {
        var cases = Sample.Value.Select(g => g.Case).ToArray();

        Assert.Equal(CaseGenerator.Zones.Order(StringComparer.Ordinal), cases.Select(c => c.Account.TimeZone).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(RequestTypes.All.Order(StringComparer.Ordinal), cases.Select(c => c.Request.Type).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(cases, c => c.Account.Status == AccountStatuses.Closed);
        Assert.Contains(cases, c => c.Account.Status == AccountStatuses.Closed && c.Grants.Any(g => g.IssuedAt > c.Account.ClosedAt));
        Assert.Contains(cases, c => c.Account.ClosedAt == c.AsOf);
        Assert.Contains(cases, c => c.Grants.Any(g => g.HolderAccountId != c.Account.Id));
        Assert.Contains(cases, c => c.Grants.Count == 0);
        Assert.Contains(cases, c => c.Grants.Count > 8);
        Assert.Contains(cases, c => c.Grants.Any(g => g.Amount != decimal.Truncate(g.Amount)));
        Assert.Contains(cases, c => c.Grants.Any(g => g.ConfirmedAt > c.AsOf));
        Assert.Contains(cases, c => c.Grants.Any(g => g.Kind == GrantKinds.Usage && g.Source == GrantSources.BalanceMaintenance));
        Assert.Contains(cases, c => c.Request.Type == RequestTypes.Use && c.Request.RequestedBy != c.Account.Id);
        Assert.Contains(cases, c => c.Request.Type == RequestTypes.Expirations && c.Request.Until is not null);
    }

    [Fact]
    public void GenerateMany_Sample_CoversBalanceMaintenanceStates()
    {
        var settings = Sample.Value.Select(g => g.Case.Account.BalanceMaintenance).ToArray();

        Assert.Contains(settings, m => m is null);
        Assert.Contains(settings, m => m is { Enabled: false });
        Assert.Contains(settings, m => m is { Enabled: true, OptedOutAt: not null });
        Assert.Contains(Sample.Value, g => g.Case.Account.BalanceMaintenance?.OptedOutAt > g.Case.AsOf);
        Assert.Contains(Sample.Value, g => g.Case.Account.BalanceMaintenance?.OptedOutAt == g.Case.AsOf);
        Assert.Contains(settings, m => m is { Enabled: true, PaymentMethodOnFile: false });
        Assert.Contains(settings, m => m is { Enabled: true, PendingReloadAmount: > 0m });
    }

    [Fact]
    public void GenerateMany_Sample_PutsBalancesExactlyAtTheReloadThreshold()
    {
        var engine = BundledRules.AlwaysInForce;
        var atThreshold = 0;
        foreach (var c in Sample.Value.Select(g => g.Case).Where(c => c.Request.Type == RequestTypes.Reload && c.Account.BalanceMaintenance is { Enabled: true }))
        {
            var balance = engine.Decide(c with { Request = new CreditRequest(RequestTypes.Balance) }).Balance!.Total;
            var m = c.Account.BalanceMaintenance!;
            if (balance + m.PendingReloadAmount == m.Threshold) atThreshold++;
        }

        Assert.True(atThreshold >= 20, $"only {atThreshold} reload cases sit exactly at the threshold");
    }

    [Fact]
    public void GenerateMany_Sample_PlacesAsOfOnAndOneTickAroundExpiries()
    {
        int at = 0, before = 0, after = 0;
        foreach (var c in Sample.Value.Select(g => g.Case))
        {
            var zone = DateTimeZoneProviders.Tzdb[c.Account.TimeZone];
            var expiries = c.Grants.Select(g => CaseGenerator.NaturalExpiry(g, zone)).ToHashSet();
            if (expiries.Contains(c.AsOf)) at++;
            if (expiries.Contains(c.AsOf + Duration.FromTicks(1))) before++;
            if (expiries.Contains(c.AsOf - Duration.FromTicks(1))) after++;
        }

        Assert.True(at > 300 && before > 100 && after > 100, $"asOf at an expiry {at}, one tick before {before}, one tick after {after}");
    }

    [Fact]
    public void GenerateMany_Sample_HitsLeapDaysDaylightSavingGapsOverlapsAndTheSkippedDay()
    {
        int leap = 0, gap = 0, overlap = 0, skippedDay = 0;
        foreach (var c in Sample.Value.Select(g => g.Case))
        {
            var zone = DateTimeZoneProviders.Tzdb[c.Account.TimeZone];
            foreach (var g in c.Grants)
            {
                var start = (g.Kind == GrantKinds.Usage ? g.ConfirmedAt ?? g.IssuedAt : g.IssuedAt).InZone(zone).LocalDateTime;
                if (start.Month == 2 && start.Day == 29) leap++;
                var mapped = zone.MapLocal(start.PlusYears(1)).Count;
                if (mapped == 0) gap++;
                if (mapped == 2) overlap++;
                if (c.Account.TimeZone == "Pacific/Apia" && start.PlusYears(1).Date == new LocalDate(2011, 12, 30)) skippedDay++;
            }
        }

        Assert.True(leap > 100 && gap > 100 && overlap > 100 && skippedDay > 0, $"leap {leap}, gap {gap}, overlap {overlap}, skipped day {skippedDay}");
    }

    [Fact]
    public void Generate_NegativeIndex_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CaseGenerator(1).Generate(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CaseGenerator(1).GenerateMany(-1).ToArray());
    }
}
