using CreditPolicy.Batch;
using CreditPolicy.Json;
using CreditPolicy.Model;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Batch;

// The heap is measured process-wide, so nothing else may run beside this class.
[Collection(nameof(SweepTests))]
public sealed class SweepTests
{
    private static readonly CreditPolicyEngine Engine = CreditPolicyEngine.FromDirectory(TestPaths.Rules);

    private static async Task<(string Output, SweepSummary Summary)> Run(string input, SweepOptions options)
    {
        var output = new StringWriter();
        var summary = await Sweep.RunAsync(Engine, new StringReader(input), output, options);
        return (output.ToString(), summary);
    }

    private static string Corpus(int count) => string.Concat(Enumerable.Range(0, count).Select(i => NdjsonCorpus.Line(i) + "\n"));

    [Fact]
    public async Task RunAsync_ManyCoresSmallBatches_WritesEveryLineInInputOrderAsOneCoreDoes()
    {
        var input = Corpus(3000);

        var (parallel, _) = await Run(input, new SweepOptions(Parallelism: 4));
        var (sequential, _) = await Run(input, new SweepOptions(Parallelism: 1));

        Assert.Equal(sequential, parallel);
        var numbers = parallel.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (long)JObject.Parse(l)["line"]!).ToArray();
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), numbers);
    }

    [Fact]
    public async Task RunAsync_EachLine_IsTheDecisionOfThatLinesCase()
    {
        var input = Corpus(200);

        var (output, _) = await Run(input, new SweepOptions(Parallelism: 2));

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < 200; i++)
        {
            if (NdjsonCorpus.IsBroken(i)) continue;
            var expected = DecisionJson.Serialize(Engine.Decide(CaseJson.Read(NdjsonCorpus.Line(i)).GetCaseOrThrow("line")), indented: false);
            Assert.Equal($"{{\"line\":{i + 1},\"accountId\":\"acct_{i % 5000}\",\"decision\":{expected}}}", lines[i]);
        }
    }

    [Fact]
    public async Task RunAsync_BadLines_GetAnErrorRecordNamingTheFieldAndTheRunGoesOn()
    {
        var input = "{\"asOf\": \"not an instant\"}\n\nthis is not json\n" + NdjsonCorpus.Line(0) + "\n";

        var (output, summary) = await Run(input, new SweepOptions(Parallelism: 2));

        var records = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(JObject.Parse).ToArray();
        Assert.Equal([1L, 3L, 4L], records.Select(r => (long)r["line"]!));
        Assert.Equal("asOf", (string)records[0]["error"]!["problems"]![0]!["path"]!);
        Assert.Contains("ISO-8601 instant", (string)records[0]["error"]!["problems"]![0]!["message"]!);
        Assert.StartsWith("not valid JSON", (string)records[1]["error"]!["problems"]![0]!["message"]!);
        Assert.Equal("permit", (string)records[2]["decision"]!["outcome"]!);
        Assert.Equal(2, summary.Errors);
        Assert.Equal(1, summary.Decided);
    }

    [Fact]
    public async Task RunAsync_Summary_CountsOutcomesAndClausesOfTheDecisions()
    {
        var input = Corpus(400);

        var (output, summary) = await Run(input, new SweepOptions(Parallelism: 2));

        var decisions = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(JObject.Parse).Where(r => r["decision"] is not null).Select(r => r["decision"]!).ToArray();
        Assert.Equal(decisions.Count(d => (string)d["outcome"]! == "deny"), summary.ByOutcome.GetValueOrDefault(Outcome.Deny));
        Assert.Equal(decisions.Count(d => (string)d["outcome"]! == "permit"), summary.ByOutcome.GetValueOrDefault(Outcome.Permit));
        Assert.Equal(decisions.Count(d => d["reasons"]!.Any(r => (string?)r["clause"] == "B.1")), summary.ByClause["B.1"]);
        Assert.Equal(Enumerable.Range(0, 400).Count(NdjsonCorpus.IsBroken), summary.Errors);
    }

    [Fact]
    public async Task RunAsync_Shards_PartitionTheBookByAccountAndTogetherCoverIt()
    {
        var input = Corpus(2000);
        var (whole, _) = await Run(input, new SweepOptions(Parallelism: 2));

        var shards = new List<string[]>();
        for (var i = 0; i < 3; i++)
        {
            var (output, summary) = await Run(input, new SweepOptions(Parallelism: 2, Shard: i, ShardCount: 3));
            shards.Add(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(2000 - shards[i].Length, summary.Skipped);
        }

        Assert.Equal(
            whole.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal),
            shards.SelectMany(s => s).Order(StringComparer.Ordinal));
        var accountsPerShard = shards.Select(s => s.Select(JObject.Parse).Where(r => r["accountId"] is not null).Select(r => (string)r["accountId"]!).ToHashSet()).ToArray();
        Assert.All(accountsPerShard, a => Assert.NotEmpty(a));
        Assert.Empty(accountsPerShard[0].Intersect(accountsPerShard[1]));
        Assert.Empty(accountsPerShard[1].Intersect(accountsPerShard[2]));
        Assert.Equal(0, NdjsonCases.ShardOf("acct_42", "", 1));
        Assert.Equal(NdjsonCases.ShardOf("acct_42", "x", 7), NdjsonCases.ShardOf("acct_42", "y", 7));
    }

    [Fact]
    public async Task RunAsync_LargeFile_KeepsTheManagedHeapFlat()
    {
        // 60,000 cases are about 45 MB of text (90 MB as .NET strings): holding the input or the output would show.
        var path = NdjsonCorpus.Write(60_000);
        // Other tests' data (static caches, corpora) may be alive: measure what the sweep adds above that.
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        try
        {
            using var input = File.OpenText(path);
            var summary = await Sweep.RunAsync(Engine, input, TextWriter.Null, new SweepOptions(Parallelism: 2), new SyncProgress(p => { if (p.Lines % 8192 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true)); }));

            Assert.Equal(60_000, summary.Lines);
            Assert.True(peak - baseline < 40_000_000, $"the live managed heap grew by {(peak - baseline) / 1_000_000} MB while sweeping a {new FileInfo(path).Length / 1_000_000} MB file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task RunAsync_ShardOutOfRange_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Run("", new SweepOptions(1, Shard: 3, ShardCount: 3)));
    }

    private sealed class SyncProgress(Action<SweepProgress> report) : IProgress<SweepProgress>
    {
        public void Report(SweepProgress value) => report(value);
    }
}

/// <summary>Runs <see cref="SweepTests"/> alone: its memory test reads the whole process's heap.</summary>
[CollectionDefinition(nameof(SweepTests), DisableParallelization = true)]
public sealed class SweepTestsCollection;
