using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using CreditPolicy.Batch;
using CreditPolicy.Evaluation;
using CreditPolicy.Server.Http;
using CreditPolicy.Server.OpenApi;
using CreditPolicy.Server.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace CreditPolicy.Server.Endpoints;

/// <summary><c>POST /v1/decisions</c>, <c>/v1/explanations</c> and <c>/v1/decisions/batch</c>: cases in, the bytes the CLI writes out.</summary>
internal sealed partial class DecisionEndpoints(
    ReloadingCreditPolicy policy,
    ServerMetrics metrics,
    CreditPolicyServerOptions options,
    ILogger<DecisionEndpoints> logger)
{
    private const string JsonMediaType = "application/json";

    // Flush the batch's output once this much is buffered: a client sees lines as they are decided, and memory stays flat.
    private const int BatchFlushBytes = 32 * 1024;

    private readonly SemaphoreSlim _batches = new(options.MaxConcurrentBatches, options.MaxConcurrentBatches);

    /// <summary>One case in, its decision out: 200 for every decision, as <c>evaluate --compact</c> prints it.</summary>
    public Task Decide(HttpContext context) => DecideOne(context, "decisions", explain: false);

    /// <summary>One case in, its decision and trace out, as <c>DecisionJson.Serialize(Explanation)</c> writes them.</summary>
    public Task Explain(HttpContext context) => DecideOne(context, "explanations", explain: true);

    private async Task DecideOne(HttpContext context, string endpoint, bool explain)
    {
        if (!RequestBody.IsMediaType(context.Request.ContentType, JsonMediaType))
        {
            await Problems.UnsupportedMediaType(context, JsonMediaType);
            return;
        }

        using var body = await RequestBody.ReadAsync(context.Request, options.MaxCaseBytes, context.RequestAborted);
        if (body.TooLarge)
        {
            await Problems.TooLarge(context, options.MaxCaseBytes, "A case");
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var read = ((ICreditPolicy)policy).ReadCase(body.Span);
        if (!read.IsValid)
        {
            metrics.Invalid(endpoint);
            await Problems.InvalidCase(context, read.Problems);
            return;
        }

        string json;
        Model.Decision decision;
        try
        {
            if (explain)
            {
                var explanation = policy.Explain(read.Case!);
                decision = explanation.Decision;
                json = DecisionJson.Serialize(explanation, indented: false);
            }
            else
            {
                decision = policy.Decide(read.Case!);
                json = DecisionJson.Serialize(decision, indented: false);
            }
        }
        catch (IOException ex)
        {
            // The decision log could not take the line: the decision is not handed out.
            LogNotRecorded(logger, ex);
            await Problems.NotRecorded(context);
            return;
        }

        metrics.Decided(endpoint, decision, Stopwatch.GetElapsedTime(started));
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = JsonMediaType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>NDJSON in, NDJSON out, in input order, the lines <c>sweep</c> writes; a bad line is an error line and the stream goes on.</summary>
    /// <remarks>
    /// The cases are read as <c>sweep</c> reads a file (<see cref="NdjsonCases.Lines"/>, a bounded buffer, strict UTF-8 per
    /// line), decided on every core by <see cref="OrderedParallel"/> with at most a few batches of lines in flight, and
    /// written as they come, so memory does not grow with the length of the body. The reading side blocks its own thread
    /// on the request body (the reader is synchronous, shared with <c>sweep</c>); how many batches stream at once is limited.
    /// </remarks>
    public async Task Batch(HttpContext context)
    {
        if (!RequestBody.IsMediaType(context.Request.ContentType, OpenApiDocument.Ndjson, "application/ndjson"))
        {
            await Problems.UnsupportedMediaType(context, OpenApiDocument.Ndjson);
            return;
        }

        if (context.Request.ContentLength is { } declared && declared > options.MaxBatchBytes)
        {
            await Problems.TooLarge(context, options.MaxBatchBytes, "A batch");
            return;
        }

        if (!_batches.Wait(0))
        {
            await Problems.TooManyBatches(context);
            return;
        }

        try
        {
            await StreamBatch(context);
        }
        finally
        {
            _batches.Release();
        }
    }

    private async Task StreamBatch(HttpContext context)
    {
        // The batch's own limit replaces Kestrel's per-case one: counted here, so it holds on any server.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
        if (context.Features.Get<IHttpBodyControlFeature>() is { } control) control.AllowSynchronousIO = true;
        var body = new LimitedReadStream(context.Request.Body, options.MaxBatchBytes);

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = OpenApiDocument.Ndjson;
        await response.StartAsync(context.RequestAborted);
        var writer = response.BodyWriter;

        // Cancelled when the request ends however it ends, so the reading side never outlives it.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var sweep = new SweepOptions(Environment.ProcessorCount);
        var failure = (string?)null;
        try
        {
            await OrderedParallel.RunBatchesAsync(
                NdjsonCases.Lines(body),
                batch => Sweep.Evaluate(policy, batch, sweep, Observe),
                async (result, ct) =>
                {
                    try
                    {
                        System.Buffers.BuffersExtensions.Write(writer, result.Output.WrittenSpan);
                    }
                    finally
                    {
                        result.Release();
                    }

                    if (writer.UnflushedBytes >= BatchFlushBytes) await writer.FlushAsync(ct);
                },
                sweep.Parallelism,
                BatchLines,
                stop.Token);
        }
        catch (LimitedReadStream.TooLongException)
        {
            failure = $"the batch is longer than {options.MaxBatchBytes:N0} bytes; the lines after the last one answered were not read";
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
        {
            LogNotRecorded(logger, ex);
            failure = "a decision could not be written to the decision log, so it and the lines after it were not handed out; act on no decision missing from this stream";
        }
        finally
        {
            stop.Cancel();
        }

        if (failure is not null)
        {
            // The status line is long gone: end with an error line, then break the response off so that no client takes it for complete.
            Write(writer, "{\"error\":{\"message\":" + System.Text.Json.JsonSerializer.Serialize(failure) + "}}");
            await writer.FlushAsync(context.RequestAborted);
            context.Abort();
            return;
        }

        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>Lines decided together by one worker: small enough to stream answers soon, large enough to keep the cores busy.</summary>
    private const int BatchLines = 64;

    private void Observe(Sweep.LineKind kind, CreditPolicy.Model.Outcome outcome, IReadOnlyCollection<string> clauses, TimeSpan took)
    {
        if (kind == Sweep.LineKind.Decided) metrics.Decided("batch", outcome, clauses, took);
        else if (kind == Sweep.LineKind.Error) metrics.Invalid("batch");
    }

    private static void Write(PipeWriter writer, string line)
    {
        var length = Encoding.UTF8.GetByteCount(line) + 1;
        var span = writer.GetSpan(length);
        var written = Encoding.UTF8.GetBytes(line, span);
        span[written] = (byte)'\n';
        writer.Advance(written + 1);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "A decision could not be written to the decision log; it was not handed out")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception);
}
