using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json.Linq;
using Xunit.Abstractions;

namespace CreditPolicy.Tests.Rules;

/// <summary>Calendar calls whose period or zone a case supplies: parsed per call, so no case can grow a cache (issue 8).</summary>
[Collection(nameof(HeapMeasuringCollection))]
public sealed class CalRuntimeTests(ITestOutputHelper output)
{
    [Fact]
    public void Decide_TenThousandDistinctPeriodsAndZonesFromCases_LeaveTheHeapWhereItWas()
    {
        // Issue 8: a rule taking its period or zone from the case once filled a static cache that was never released (191 MB after 1,000 cases).
        using var rules = new TempRuleDirectory();
        rules.EditVocabulary(v => v["account"]!["period"] = new JObject { ["type"] = "string", ["default"] = "P1Y" });
        rules.AddRule("reporting.json", TempRuleDirectory.RequestRule("period-from-the-case", "Cal.PlusInZone(c.AsOf, c.Account.Period, c.Account.TimeZone) > c.AsOf && Cal.DateInZone(c.AsOf, c.Account.TimeZone).Year > 0", "note", "balance"));
        var engine = new CreditPolicyEngine(rules.Load());
        var zones = TimeZoneDatabase.Bundled.Provider.Ids.ToArray();
        var outcomes = new Dictionary<Outcome, int>();
        void Run(int from, int count)
        {
            for (var i = from; i < from + count; i++)
            {
                // Distinct periods (and a malformed one now and then, which fails the rule); every zone of the database in turn.
                var period = i % 10 == 9 ? $"P{i}X" : $"P{i % 97}Y{i}DT{i % 13}H";
                var @case = new CaseBuilder(engine.Catalogue).InZone(zones[i % zones.Length]).Account("period", period).Of("balance");
                var outcome = engine.Decide(@case).Outcome;
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
        }

        Run(0, 1_000);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        Run(1_000, 10_000);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        output.WriteLine($"heap before {before:N0}, after {after:N0} bytes; outcomes {string.Join(", ", outcomes)}");
        Assert.True(outcomes.GetValueOrDefault(Outcome.Permit) > 5_000 && outcomes.GetValueOrDefault(Outcome.Indeterminate) > 500, string.Join(", ", outcomes));
        Assert.True(after - before < 4 * 1024 * 1024, $"the heap grew by {after - before:N0} bytes over 10,000 distinct cases");
    }

    [Fact]
    public void ParsePeriodAndZone_OverlongTextFromACase_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => CalRuntime.ParsePeriod("P1M" + new string('0', 100)));
        Assert.Throws<ArgumentException>(() => CalRuntime.Zone(TimeZoneDatabase.Bundled, "Mars/" + new string('x', 1000)));
    }
}
