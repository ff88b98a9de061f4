using System.Text;
using CreditPolicy.Batch;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Batch;

[Collection(nameof(HeapMeasuringCollection))]
public sealed class SweepTests
{
    private static readonly CreditPolicyEngine Engine = CreditPolicyEngine.FromDirectory(TestPaths.Rules);

    private static async Task<(string Output, SweepSummary Summary)> Run(Stream input, SweepOptions options)
    {
        var output = new MemoryStream();
        var summary = await Sweep.RunAsync(Engine, input, output, options);
        return (System.Text.Encoding.UTF8.GetString(output.ToArray()), summary);
    }

    private static Task<(string Output, SweepSummary Summary)> Run(string input, SweepOptions options) => Run(NdjsonCorpus.Bytes(input), options);

    private static Task<(string Output, SweepSummary Summary)> Run(byte[] input, SweepOptions options) => Run(new MemoryStream(input), options);

    private static JObject Parse(string line)
    {
        using var reader = new JsonTextReader(new StringReader(line)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal };
        return JObject.Load(reader);
    }

    private static string Expected(string caseJson, long line) =>
        $"{{\"line\":{line},\"accountId\":\"{TestCases.Read(caseJson).Account.Id}\",\"decision\":{DecisionJson.Serialize(Engine.Decide(TestCases.Read(caseJson)), indented: false)}}}";

    [Fact]
    public async Task RunAsync_ManyCoresSmallBatches_WritesEveryLineInInputOrderAsOneCoreDoes()
    {
        var (parallel, _) = await Run(NdjsonCorpus.Stream(3000), new SweepOptions(Parallelism: 4));
        var (sequential, _) = await Run(NdjsonCorpus.Stream(3000), new SweepOptions(Parallelism: 1));

        Assert.Equal(sequential, parallel);
        var numbers = parallel.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (long)Parse(l)["line"]!).ToArray();
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), numbers);
    }

    [Fact]
    public async Task RunAsync_EachLine_IsTheDecisionOfThatLinesCase()
    {
        var (output, _) = await Run(NdjsonCorpus.Stream(200), new SweepOptions(Parallelism: 2));

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(200, lines.Length);
        for (var i = 0; i < 200; i++)
        {
            if (NdjsonCorpus.IsBroken(i)) continue;
            Assert.Equal(Expected(NdjsonCorpus.Line(i), i + 1), lines[i]);
        }
    }

    [Fact]
    public async Task RunAsync_BadLines_GetAnErrorRecordNamingTheFieldAndTheRunGoesOn()
    {
        var input = "{\"asOf\": \"not an instant\"}\n\nthis is not json\n" + NdjsonCorpus.Line(0) + "\n";

        var (output, summary) = await Run(input, new SweepOptions(Parallelism: 2));

        var records = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();
        Assert.Equal([1L, 3L, 4L], records.Select(r => (long)r["line"]!));
        Assert.Equal("not a valid case (4 problems)", (string?)records[0]["error"]!["message"]);
        Assert.Equal(
            ["asOf", "account", "grants", "request"],
            records[0]["error"]!["problems"]!.Select(p => (string)p["path"]!));
        Assert.StartsWith("expected an ISO-8601 instant with offset", (string)records[0]["error"]!["problems"]![0]!["message"]!, StringComparison.Ordinal);
        Assert.Equal(10L, (long)records[0]["error"]!["problems"]![0]!["column"]!);
        Assert.StartsWith("not valid JSON", (string)records[1]["error"]!["problems"]![0]!["message"]!, StringComparison.Ordinal);
        Assert.Equal("permit", (string?)records[2]["decision"]!["outcome"]);
        Assert.Equal((3L, 2L, 1L), (summary.Lines, summary.Errors, summary.Decided));
    }

    [Fact]
    public async Task RunAsync_InvalidUtf8OnALine_ErrorRecordNamingTheByteAndTheOtherLinesDecided()
    {
        // A non-holder whose id differs from the holder's only in an invalid byte: never read, never permitted.
        var holder = NdjsonCorpus.Line(0);
        var account = (string)JObject.Parse(holder)["account"]!["id"]!;
        var attack = Encoding.UTF8.GetBytes(holder.Replace($"\"requestedBy\":\"{account}\"", "\"requestedBy\":\"acct_X\"", StringComparison.Ordinal)
            .Replace($"\"{account}\"", "\"acct_Y\"", StringComparison.Ordinal));
        attack[Array.IndexOf(attack, (byte)'X')] = 0xFE;
        attack[Array.IndexOf(attack, (byte)'Y')] = 0xFF;
        byte[] input = [.. Encoding.UTF8.GetBytes(holder + "\n"), .. attack, (byte)'\n', .. Encoding.UTF8.GetBytes(holder + "\n")];

        var (output, summary) = await Run(input, new SweepOptions(Parallelism: 2));

        var records = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();
        Assert.Equal(3, records.Length);
        var problem = Assert.Single(records[1]["error"]!["problems"]!);
        Assert.Equal("$", (string?)problem["path"]);
        Assert.Equal($"not valid UTF-8: byte 0xFF at offset {Array.IndexOf(attack, (byte)0xFF)} does not begin a valid sequence; a case is UTF-8 JSON (RFC 8259)", (string?)problem["message"]);
        Assert.Equal(Expected(holder, 1), output.Split('\n')[0]);
        Assert.Equal(Expected(holder, 3), output.Split('\n')[2]);
        Assert.Equal((1L, 2L), (summary.Errors, summary.Decided));
    }

    [Fact]
    public async Task RunAsync_ByteOrderMarkCarriageReturnsAndBlankLines_LinesKeepTheirNumbers()
    {
        var line = NdjsonCorpus.Line(1);
        byte[] input = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes($"{line}\r\n\r\n   \n{line}\r\n\t\n{line}")];

        var (output, summary) = await Run(input, new SweepOptions(Parallelism: 2));

        Assert.Equal($"{Expected(line, 1)}\n{Expected(line, 4)}\n{Expected(line, 6)}\n", output);
        Assert.Equal((3L, 0L), (summary.Lines, summary.Errors));
    }

    [Fact]
    public async Task RunAsync_StreamThatGivesOneByteAtATime_SameOutputAsReadingItWhole()
    {
        // A case of some 200 KB (many grants) spans several reads of the 64 KiB buffer; a pipe can also hand over a byte at a time.
        var big = JObject.Parse(NdjsonCorpus.Line(0));
        var holder = (string)big["account"]!["id"]!;
        var grants = (JArray)big["grants"]!;
        for (var i = 0; i < 1500; i++) grants.Add(CaseBuilder.Grant($"p{i}", "promotional", 1.25m, "2026-01-05T00:00:00Z", holder: holder));
        var text = NdjsonCorpus.Text(20) + TestJson.Write(big) + "\n" + NdjsonCorpus.Text(3);
        Assert.True(text.Length > 200_000);

        var (whole, _) = await Run(text, new SweepOptions(Parallelism: 2));
        var (trickled, _) = await Run(new TrickleStream(Encoding.UTF8.GetBytes(text), 1), new SweepOptions(Parallelism: 2));
        var (chunked, _) = await Run(new TrickleStream(Encoding.UTF8.GetBytes(text), 4093), new SweepOptions(Parallelism: 2));

        Assert.Equal(whole, trickled);
        Assert.Equal(whole, chunked);
        var bigRecord = Parse(whole.Split('\n')[20]);
        Assert.Equal(21L, (long)bigRecord["line"]!);
        Assert.NotNull(bigRecord["decision"]);
    }

    [Fact]
    public async Task RunAsync_Summary_CountsOutcomesAndClausesOfTheDecisions()
    {
        var (output, summary) = await Run(NdjsonCorpus.Stream(400), new SweepOptions(Parallelism: 2));

        var decisions = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).Where(r => r["decision"] is not null).Select(r => r["decision"]!).ToArray();
        Assert.Equal(decisions.Count(d => (string)d["outcome"]! == "deny"), summary.ByOutcome.GetValueOrDefault(Outcome.Deny));
        Assert.Equal(decisions.Count(d => (string)d["outcome"]! == "permit"), summary.ByOutcome.GetValueOrDefault(Outcome.Permit));
        Assert.Equal(decisions.Count(d => d["reasons"]!.Any(r => (string?)r["clause"] == "B.1")), summary.ByClause["B.1"]);
        Assert.Equal(Enumerable.Range(0, 400).Count(NdjsonCorpus.IsBroken), summary.Errors);
        Assert.Equal(400, summary.Lines);
        Assert.StartsWith($"400 lines in ", summary.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Shards_PartitionTheBookByAccountAndTogetherCoverIt()
    {
        var (whole, _) = await Run(NdjsonCorpus.Stream(2000), new SweepOptions(Parallelism: 2));

        var shards = new List<string[]>();
        for (var i = 0; i < 3; i++)
        {
            var (output, summary) = await Run(NdjsonCorpus.Stream(2000), new SweepOptions(Parallelism: 2, Shard: i, ShardCount: 3));
            shards.Add(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(2000 - shards[i].Length, summary.Skipped);
        }

        Assert.Equal(
            whole.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal),
            shards.SelectMany(s => s).Order(StringComparer.Ordinal));
        var accountsPerShard = shards.Select(s => s.Select(Parse).Where(r => r["accountId"] is not null).Select(r => (string)r["accountId"]!).ToHashSet()).ToArray();
        Assert.All(accountsPerShard, a => Assert.NotEmpty(a));
        Assert.Empty(accountsPerShard[0].Intersect(accountsPerShard[1]));
        Assert.Empty(accountsPerShard[1].Intersect(accountsPerShard[2]));
        Assert.Equal(0, NdjsonCases.ShardOf("acct_42", "x"u8, 1));
        Assert.Equal(NdjsonCases.ShardOf("acct_42", "x"u8, 7), NdjsonCases.ShardOf("acct_42", "y"u8, 7));
    }

    [Fact]
    public async Task RunAsync_LargeFile_KeepsTheManagedHeapFlat()
    {
        // 15,000 cases are about 10 MB of bytes, and their decisions some 40 MB as .NET strings: holding either would show.
        var path = NdjsonCorpus.Write(15_000);
        long peak = 0;
        var samples = 0;
        try
        {
            // What the tests that ran before left alive (engines, caches) is not the sweep's: count only what it adds.
            var before = GC.GetTotalMemory(forceFullCollection: true);
            await using var input = File.OpenRead(path);
            var summary = await Sweep.RunAsync(Engine, input, Stream.Null, new SweepOptions(Parallelism: 2), new SyncProgress(p =>
            {
                if (p.Lines % 2048 != 0) return;
                samples++;
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
            }));

            Assert.Equal(15_000, summary.Lines);
            Assert.True(samples >= 7, $"{samples} samples of the heap");
            Assert.True(peak < 10_000_000, $"live managed heap grew by {peak / 1_000_000} MB while sweeping a {new FileInfo(path).Length / 1_000_000} MB file");
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

    /// <summary>A stream that hands over at most <paramref name="most"/> bytes per read, as a slow pipe does.</summary>
    private sealed class TrickleStream(byte[] bytes, int most) : MemoryStream(bytes, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, most));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, most)]);
    }
}
