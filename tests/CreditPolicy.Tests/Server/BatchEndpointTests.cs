using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CreditPolicy.Records;
using CreditPolicy.Tests.Cli;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Server;

/// <summary><c>POST /v1/decisions/batch</c>: NDJSON in, the lines <c>sweep</c> writes out, streamed in input order.</summary>
[Collection(nameof(ServerCollection))]
public sealed class BatchEndpointTests
{
    private const string Ndjson = "application/x-ndjson";

    private static string OneLine(string example) =>
        File.ReadAllText(Path.Combine(TestPaths.Examples, example)).ReplaceLineEndings("").Replace("  ", "", StringComparison.Ordinal);

    [Fact]
    public async Task Batch_CorpusWithBadAndBlankLines_SameBytesAsSweep()
    {
        foreach (var rules in new[] { TestPaths.Rules, TestPaths.VersionedRules })
        {
            var body = new StringBuilder();
            foreach (var (_, _, @case) in ScenarioCorpus.Of(rules))
            {
                // A scenario's case spans lines; NDJSON wants one line each.
                body.Append(JObject.Parse(Encoding.UTF8.GetString(@case)).ToString(Newtonsoft.Json.Formatting.None)).Append('\n');
            }

            body.Append("{\"asOf\": 5}\n").Append("\n").Append("not json\r\n").Append(OneLine("refund.json"));
            var bytes = Encoding.UTF8.GetBytes(body.ToString());
            await using var server = await InProcessServer.StartAsync(rules);

            var sweep = await CliRunner.Run(bytes, "sweep", "--cases", "-", "--rules", rules);
            using var response = await server.PostAsync("/v1/decisions/batch", bytes, Ndjson);
            var lines = await response.Content.ReadAsStringAsync();

            Assert.Equal(0, sweep.Exit);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Ndjson, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(sweep.Out, lines);
            var parsed = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(JObject.Parse).ToArray();
            Assert.Equal(Enumerable.Range(1, parsed.Length + 1).Where(n => n != parsed.Length - 1), parsed.Select(l => (int)l["line"]!));
            Assert.Equal(2, parsed.Count(l => l["error"] is not null));
        }
    }

    [Fact]
    public async Task Batch_LongBody_StreamsWithBoundedReadAhead()
    {
        // 20,000 cases: were the body read whole before answering, or the answer held whole before sending, the server
        // would be thousands of lines ahead of what the client has received; it may be a few batches of lines ahead.
        const int Lines = 20_000;
        const int ReadAhead = 4_000;
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        var source = new RepeatedLineStream(Encoding.UTF8.GetBytes(OneLine("use.json") + "\n"), Lines);
        using var content = new StreamContent(source);
        content.Headers.ContentType = new MediaTypeHeaderValue(Ndjson);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions/batch") { Content = content };

        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var received = 0;
        var furthestAhead = 0L;
        while (await reader.ReadLineAsync() is { } line)
        {
            received++;
            furthestAhead = Math.Max(furthestAhead, source.LinesRead - received);
            if (received % 1000 == 0) Assert.StartsWith($"{{\"line\":{received},\"accountId\":\"acct_1\",\"decision\":{{\"outcome\":\"permit\"", line, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Lines, received);
        Assert.True(furthestAhead <= ReadAhead, $"the server read {furthestAhead} lines ahead of its answers");
    }

    [Fact]
    public async Task Batch_OtherContentType_415()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        using var response = await server.PostAsync("/v1/decisions/batch", OneLine("use.json"), "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("urn:creditpolicy:problem:unsupported-media-type", (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["type"]);
    }

    [Fact]
    public async Task Batch_ContentLengthOverTheLimit_413()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.MaxBatchBytes = 1000);

        using var response = await server.PostAsync("/v1/decisions/batch", OneLine("use.json") + "\n" + OneLine("use.json"), Ndjson);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("A batch is at most 1,000 bytes.", (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["detail"]);
    }

    [Fact]
    public async Task Batch_ChunkedBodyOverTheLimit_EndsWithAnErrorLineAndBreaksOff()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.MaxBatchBytes = 100_000);
        var line = Encoding.UTF8.GetBytes(OneLine("use.json") + "\n");
        using var content = new StreamContent(new RepeatedLineStream(line, 1000));
        content.Headers.ContentType = new MediaTypeHeaderValue(Ndjson);

        var received = new StringBuilder();
        var broken = false;
        try
        {
            using var response = await server.Client.PostAsync("/v1/decisions/batch", content);
            received.Append(await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            broken = true;
        }

        // The client must not take it for a complete answer: either the transfer broke, or its last line says why it stopped.
        Assert.True(broken || received.ToString().TrimEnd('\n').Split('\n')[^1].StartsWith("{\"error\":{\"message\":\"the batch is longer than 100,000 bytes", StringComparison.Ordinal), received.ToString());
    }

    [Fact]
    public async Task Batch_DecisionLogFails_NoDecisionAfterTheFailureAndTheAnswerBreaksOff()
    {
        var sink = new FailAfterSink(3);
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, builder: b => b.Services.AddSingleton<IDecisionSink>(sink));
        var body = string.Concat(Enumerable.Repeat(OneLine("use.json") + "\n", 10));

        string received = "";
        var broken = false;
        try
        {
            using var response = await server.PostAsync("/v1/decisions/batch", body, Ndjson);
            received = await response.Content.ReadAsStringAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            broken = true;
        }

        // Lines are written only once their whole batch is decided: a batch with a failure hands out none of its decisions.
        Assert.DoesNotContain("\"decision\"", received, StringComparison.Ordinal);
        Assert.True(broken || received.Contains("decision log", StringComparison.Ordinal), received);
    }

    [Fact]
    public async Task Batch_MoreThanAllowedAtOnce_503WithRetryAfter()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.MaxConcurrentBatches = 1);

        // The first batch stays in flight: its answer is far longer than what is in transit while the client reads one line.
        using var content = new StreamContent(new RepeatedLineStream(Encoding.UTF8.GetBytes(OneLine("use.json") + "\n"), 20_000));
        content.Headers.ContentType = new MediaTypeHeaderValue(Ndjson);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions/batch") { Content = content };
        using var streaming = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await streaming.Content.ReadAsStreamAsync());
        var firstLine = await reader.ReadLineAsync();

        using var second = await server.PostAsync("/v1/decisions/batch", OneLine("use.json"), Ndjson);
        var rest = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var third = await server.PostAsync("/v1/decisions/batch", OneLine("use.json"), Ndjson);

        Assert.StartsWith("{\"line\":1,", firstLine, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Equal("urn:creditpolicy:problem:too-many-batches", (string?)JObject.Parse(await second.Content.ReadAsStringAsync())["type"]);
        Assert.Equal(19_999, rest.Length);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task Batch_Lines_CountedInTheMetrics()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        var permits = await server.MetricAsync("creditpolicy_decisions_total", ("endpoint", "batch"), ("outcome", "permit")) ?? 0;
        var invalid = await server.MetricAsync("creditpolicy_invalid_cases_total", ("endpoint", "batch")) ?? 0;

        using var response = await server.PostAsync("/v1/decisions/batch", OneLine("use.json") + "\n{}\n" + OneLine("use.json") + "\n", Ndjson);
        await response.Content.ReadAsStringAsync();

        Assert.Equal(permits + 2, await server.MetricAsync("creditpolicy_decisions_total", ("endpoint", "batch"), ("outcome", "permit")));
        Assert.Equal(invalid + 1, await server.MetricAsync("creditpolicy_invalid_cases_total", ("endpoint", "batch")));
    }

    /// <summary>A sink that records <paramref name="good"/> decisions, then fails as a full disk does.</summary>
    private sealed class FailAfterSink(int good) : IDecisionSink
    {
        private int _written;

        public void Write(Model.CreditCase @case, Model.Decision decision)
        {
            if (Interlocked.Increment(ref _written) > good) throw new IOException("No space left on device");
        }
    }
}

/// <summary>A body of one line repeated, produced as it is read, counting the lines the reader has taken.</summary>
internal sealed class RepeatedLineStream(byte[] line, int count) : Stream
{
    private long _position;

    /// <summary>Lines the reader has read the start of.</summary>
    public long LinesRead => Math.Min(count, (Interlocked.Read(ref _position) + line.Length - 1) / line.Length);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int size)
    {
        var total = (long)line.Length * count;
        var n = (int)Math.Min(size, total - _position);
        for (var i = 0; i < n; i++) buffer[offset + i] = line[(_position + i) % line.Length];
        Interlocked.Add(ref _position, n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int size, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, size));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var array = new byte[buffer.Length];
        var n = Read(array, 0, array.Length);
        array.AsSpan(0, n).CopyTo(buffer.Span);
        return ValueTask.FromResult(n);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int size) => throw new NotSupportedException();
}
