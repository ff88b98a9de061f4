using CreditPolicy.Tests.Cli;
using CreditPolicy.Batch;
using CreditPolicy.Cli;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy.Tests.Batch;

[Collection(nameof(HeapMeasuringCollection))]
public sealed class ImpactDiffTests
{
    private static string Corpus(int count) => string.Concat(Enumerable.Range(0, count).Select(i => NdjsonCorpus.Line(i) + "\n"));

    /// <summary>A copy of the bundled rules that lets usage credits last 18 months and denies every reload.</summary>
    private static string EditedRules()
    {
        var dir = TestPaths.CopyRules();
        var expiry = Path.Combine(dir, "expiry.json");
        File.WriteAllText(expiry, File.ReadAllText(expiry).Replace("\"P1Y\", c.Account.TimeZone)\"\n      }\n    },\n    {\n      \"RuleName\": \"promotional-indicated-expiry\"", "\"P18M\", c.Account.TimeZone)\"\n      }\n    },\n    {\n      \"RuleName\": \"promotional-indicated-expiry\"", StringComparison.Ordinal));
        var reload = Path.Combine(dir, "balance-maintenance.json");
        File.WriteAllText(reload, File.ReadAllText(reload).Replace("\"Expression\": \"!c.Account.BalanceMaintenance.Enabled\"", "\"Expression\": \"true\"", StringComparison.Ordinal));
        return dir;
    }

    [Fact]
    public async Task RunAsync_SameRules_ReportsNoChange()
    {
        var engine = CreditPolicyEngine.FromDirectory(TestPaths.Rules);

        var report = await ImpactDiff.RunAsync(engine, engine, new StringReader(Corpus(500)), new DiffOptions(2));

        Assert.Equal(0, report.Changed);
        Assert.Empty(report.Groups);
        Assert.Equal(Enumerable.Range(0, 500).Count(i => !NdjsonCorpus.IsBroken(i)), report.Cases);
        Assert.Equal(Enumerable.Range(0, 500).Count(NdjsonCorpus.IsBroken), report.Errors);
    }

    [Fact]
    public async Task RunAsync_ReloadServiceTreatedAsInactive_GroupsTheChangeByOutcomeRuleAndClause()
    {
        var before = CreditPolicyEngine.FromDirectory(TestPaths.Rules);
        var after = CreditPolicyEngine.FromDirectory(EditedRules());
        var corpus = Corpus(800);

        var report = await ImpactDiff.RunAsync(before, after, new StringReader(corpus), new DiffOptions(2, ExamplesPerGroup: 2));

        // Count independently: every reload now also cites reload-service-not-active.
        var expected = 0;
        foreach (var line in corpus.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var read = CreditPolicy.Json.CaseJson.Read(line);
            if (!read.IsValid) continue;
            if (!ImpactDiff.SameDecision(before.Decide(read.Case!), after.Decide(read.Case!))) expected++;
        }

        Assert.True(expected > 0);
        Assert.Equal(expected, report.Changed);
        var group = Assert.Single(report.Groups, g => g.Rule == "reload-service-not-active");
        Assert.Equal((Outcome.Deny, Outcome.Deny, "B.3"), (group.Before, group.After, group.Clause));
        Assert.Equal(2, group.Examples.Count);
        Assert.All(group.Examples, e => Assert.Matches(@"^line \d+ \(acct_\d+\)$", e));
        Assert.Equal(report.Changed, report.Groups.Sum(g => g.Count));
    }

    [Fact]
    public async Task Diff_Command_ExitsOneOnChangesUnlessAllowedAndZeroWhenNothingChanged()
    {
        var edited = EditedRules();
        var cases = NdjsonCorpus.Write(300);
        try
        {
            var changed = await CliRunner.Run("", "diff", "--before", TestPaths.Rules, "--after", edited, "--cases", cases);
            var allowed = await CliRunner.Run("", "diff", "--before", TestPaths.Rules, "--after", edited, "--cases", cases, "--allow-changes");
            var same = await CliRunner.Run("", "diff", "--before", TestPaths.Rules, "--after", TestPaths.Rules, "--cases", cases);

            Assert.Equal(1, changed.Exit);
            Assert.Contains("deny -> deny  reload-service-not-active (B.3)", changed.Out);
            Assert.Equal(0, allowed.Exit);
            Assert.Equal(0, same.Exit);
            Assert.Contains("0 of ", same.Out);
        }
        finally
        {
            File.Delete(cases);
        }
    }

    [Fact]
    public async Task Sweep_Command_WritesDecisionsAndSummaryAndRejectsABadShard()
    {
        var cases = NdjsonCorpus.Write(100);
        var output = Path.ChangeExtension(cases, ".out.ndjson");
        try
        {
            var run = await CliRunner.Run("", "sweep", "--cases", cases, "--out", output, "--parallel", "2", "--rules", TestPaths.Rules);
            var badShard = await CliRunner.Run("", "sweep", "--cases", cases, "--shard", "3/3", "--rules", TestPaths.Rules);

            Assert.True(run.Exit == 0, run.Err);
            Assert.Equal(100, File.ReadAllLines(output).Length);
            Assert.Matches(@"100 lines in [\d.]+ s \(\d+ per second\): \d+ permit, \d+ deny, 0 indeterminate, 1 error\r?\n", run.Err);
            Assert.Equal(2, badShard.Exit);
            Assert.Contains("--shard '3/3': expected i/n with 0 <= i < n", badShard.Err);
        }
        finally
        {
            File.Delete(cases);
            File.Delete(output);
        }
    }

    [Fact]
    public async Task RunAsync_LargeFileWithManyChanges_KeepsTheManagedHeapFlat()
    {
        // 60,000 cases (about 45 MB; 90 MB as .NET strings), many of them changed: only counts and a few examples are kept.
        var path = NdjsonCorpus.Write(60_000);
        var before = CreditPolicyEngine.FromDirectory(TestPaths.Rules);
        var after = CreditPolicyEngine.FromDirectory(EditedRules());
        long peak = 0;
        try
        {
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            using var input = File.OpenText(path);
            var report = await ImpactDiff.RunAsync(before, after, input, new DiffOptions(2), new SyncProgress(lines =>
            {
                if (lines % 8192 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }));

            Assert.True(report.Changed > 1000, $"only {report.Changed} changed");
            Assert.True(peak < 40_000_000, $"the live managed heap grew by {peak / 1_000_000} MB while diffing a {new FileInfo(path).Length / 1_000_000} MB file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

}
