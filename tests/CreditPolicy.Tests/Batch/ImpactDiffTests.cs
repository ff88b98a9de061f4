using System.Text;
using CreditPolicy.Batch;
using CreditPolicy.Model;
using CreditPolicy.Tests.Cli;

namespace CreditPolicy.Tests.Batch;

[Collection(nameof(HeapMeasuringCollection))]
public sealed class ImpactDiffTests
{
    private static readonly Lazy<string> Edited = new(EditedRules);

    /// <summary>A copy of the bundled rules that lets usage credits last 18 months and denies every reload.</summary>
    private static string EditedRules()
    {
        var dir = TestPaths.CopyRules();
        Replace(Path.Combine(dir, "expiry.json"), "\"expiresAt\": \"Cal.PlusInZone(g.ConfirmedAt ?? g.IssuedAt, \\\"P1Y\\\", c.Account.TimeZone)\"", "\"expiresAt\": \"Cal.PlusInZone(g.ConfirmedAt ?? g.IssuedAt, \\\"P18M\\\", c.Account.TimeZone)\"");
        Replace(Path.Combine(dir, "balance-maintenance.json"), "\"Expression\": \"!c.Account.BalanceMaintenance.Enabled\"", "\"Expression\": \"true\"");
        return dir;

        static void Replace(string file, string oldText, string newText)
        {
            var text = File.ReadAllText(file);
            Assert.Contains(oldText, text, StringComparison.Ordinal);
            File.WriteAllText(file, text.Replace(oldText, newText, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RunAsync_SameRules_ReportsNoChange()
    {
        var engine = CreditPolicyEngine.FromDirectory(TestPaths.Rules);

        var report = await ImpactDiff.RunAsync(engine, engine, NdjsonCorpus.Stream(500), new DiffOptions(2));

        Assert.Equal(0, report.Changed);
        Assert.Empty(report.Groups);
        Assert.Equal(Enumerable.Range(0, 500).Count(i => !NdjsonCorpus.IsBroken(i)), report.Cases);
        Assert.Equal(Enumerable.Range(0, 500).Count(NdjsonCorpus.IsBroken), report.Errors);
        Assert.StartsWith($"0 of {report.Cases} decisions changed (0%); {report.Errors} lines not valid cases; ", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ReloadServiceTreatedAsInactive_GroupsTheChangeByOutcomeRuleAndClause()
    {
        var before = CreditPolicyEngine.FromDirectory(TestPaths.Rules);
        var after = CreditPolicyEngine.FromDirectory(Edited.Value);
        var corpus = NdjsonCorpus.Text(800);

        var report = await ImpactDiff.RunAsync(before, after, NdjsonCorpus.Bytes(corpus), new DiffOptions(2, ExamplesPerGroup: 2));

        // Count independently: every reload now also cites reload-service-not-active.
        var expected = 0;
        foreach (var line in corpus.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var read = before.Catalogue.ReadCase(line);
            if (!read.IsValid) continue;
            if (!ImpactDiff.SameDecision(before.Decide(read.Case!), after.Decide(after.Catalogue.ReadCase(line).Case!))) expected++;
        }

        Assert.True(expected > 0);
        Assert.Equal(expected, report.Changed);
        var group = Assert.Single(report.Groups, g => g.Rule == "reload-service-not-active");
        Assert.Equal((Outcome.Deny, Outcome.Deny, "B.3"), (group.Before, group.After, group.Clause));
        Assert.Equal(2, group.Examples.Count);
        Assert.All(group.Examples, e => Assert.Matches(@"^line \d+ \(acct_\d+\)$", e));
        Assert.Equal(report.Changed, report.Groups.Sum(g => g.Count));
        Assert.Equal(report.Groups.OrderByDescending(g => g.Count).Select(g => g.Count), report.Groups.Select(g => g.Count));
    }

    [Fact]
    public async Task RunAsync_VocabularyTheCasesNoLongerMeet_EveryCaseChangesToIndeterminate()
    {
        // The edit makes an account attribute required that no case of the corpus has: each side reads with its own vocabulary.
        using var rules = new TempRuleDirectory();
        rules.ReplaceText("vocabulary.json", "\"account\": {\n", "\"account\": {\n    \"billingCountry\": { \"type\": \"string\", \"required\": true, \"description\": \"Where the account is billed.\" },\n");
        var before = CreditPolicyEngine.FromDirectory(TestPaths.Rules);
        var after = CreditPolicyEngine.FromDirectory(rules.Path);

        var report = await ImpactDiff.RunAsync(before, after, NdjsonCorpus.Stream(200), new DiffOptions(2));

        Assert.Equal(report.Cases, report.Changed);
        Assert.Equal(Enumerable.Range(0, 200).Count(i => !NdjsonCorpus.IsBroken(i)), report.Cases);
        Assert.All(report.Groups, g => Assert.Equal((Outcome.Indeterminate, "evaluator:invalid-case"), (g.After, g.Rule)));
    }

    [Fact]
    public async Task RunAsync_InvalidUtf8Line_CountsAsAnErrorAndIsNotCompared()
    {
        var engine = CreditPolicyEngine.FromDirectory(TestPaths.Rules);
        var line = Encoding.UTF8.GetBytes(NdjsonCorpus.Line(0));
        var broken = line.ToArray();
        broken[Array.IndexOf(broken, (byte)'_')] = 0xFF;
        byte[] input = [.. line, (byte)'\n', .. broken, (byte)'\n', .. line, (byte)'\n'];

        var report = await ImpactDiff.RunAsync(engine, CreditPolicyEngine.FromDirectory(Edited.Value), new MemoryStream(input), new DiffOptions(1));

        Assert.Equal((2L, 1L), (report.Cases, report.Errors));
    }

    [Fact]
    public async Task Diff_Command_ExitsOneOnChangesUnlessAllowedAndZeroWhenNothingChanged()
    {
        var cases = NdjsonCorpus.Write(300);
        try
        {
            var changed = await CliRunner.Run("", "diff", "--before", TestPaths.Rules, "--after", Edited.Value, "--cases", cases);
            var allowed = await CliRunner.Run("", "diff", "--before", TestPaths.Rules, "--after", Edited.Value, "--cases", cases, "--allow-changes");
            var same = await CliRunner.Run("", "diff", "--before", TestPaths.Rules, "--after", TestPaths.Rules, "--cases", cases);
            var fromStdin = await CliRunner.Run(File.ReadAllBytes(cases), "diff", "--before", TestPaths.Rules, "--after", Edited.Value, "--cases", "-");

            Assert.Equal(1, changed.Exit);
            Assert.Contains("deny -> deny  reload-service-not-active (B.3)", changed.Out, StringComparison.Ordinal);
            Assert.Equal(0, allowed.Exit);
            Assert.Equal(0, same.Exit);
            Assert.Contains("0 of ", same.Out, StringComparison.Ordinal);
            Assert.Equal(1, fromStdin.Exit);
            Assert.Equal(Tail(changed.Out), Tail(fromStdin.Out));
        }
        finally
        {
            File.Delete(cases);
        }

        // The report without its timings.
        static string Tail(string output) => System.Text.RegularExpressions.Regex.Replace(output, @"[\d.]+ s\b", "");
    }

    [Fact]
    public async Task Sweep_Command_WritesDecisionsAndSummaryAndRejectsABadShard()
    {
        var cases = NdjsonCorpus.Write(100);
        var output = Path.ChangeExtension(cases, ".out.ndjson");
        try
        {
            var run = await CliRunner.Run("", "sweep", "--cases", cases, "--out", output, "--parallel", "2", "--rules", TestPaths.Rules);
            var fromStdin = await CliRunner.Run(File.ReadAllBytes(cases), "sweep", "--cases", "-", "--parallel", "2", "--rules", TestPaths.Rules);
            var badShard = await CliRunner.Run("", "sweep", "--cases", cases, "--shard", "3/3", "--rules", TestPaths.Rules);

            Assert.True(run.Exit == 0, run.Err);
            Assert.Equal(100, File.ReadAllLines(output).Length);
            Assert.Equal(File.ReadAllText(output), fromStdin.Out);
            Assert.Matches(@"100 lines in [\d.]+ s \(\d+ per second\): \d+ permit, \d+ deny, 0 indeterminate, 1 error\r?\n", run.Err);
            Assert.Equal(2, badShard.Exit);
            Assert.Contains("--shard '3/3': expected i/n with 0 <= i < n", badShard.Err, StringComparison.Ordinal);
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
        // 15,000 cases (about 10 MB), many of them changed: only counts and a few examples are kept.
        var path = NdjsonCorpus.Write(15_000);
        var before = CreditPolicyEngine.FromDirectory(TestPaths.Rules);
        var after = CreditPolicyEngine.FromDirectory(Edited.Value);
        long peak = 0;
        var samples = 0;
        try
        {
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            await using var input = File.OpenRead(path);
            var report = await ImpactDiff.RunAsync(before, after, input, new DiffOptions(2), new SyncProgress(lines =>
            {
                if (lines % 2048 != 0) return;
                samples++;
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }));

            Assert.True(report.Changed > 1000, $"only {report.Changed} changed");
            Assert.True(samples >= 7, $"{samples} samples of the heap");
            Assert.True(peak < 10_000_000, $"the live managed heap grew by {peak / 1_000_000} MB while diffing a {new FileInfo(path).Length / 1_000_000} MB file");
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
