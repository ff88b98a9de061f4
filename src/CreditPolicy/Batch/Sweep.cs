using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;

namespace CreditPolicy.Batch;

/// <summary>How a sweep runs.</summary>
/// <param name="Parallelism">How many cores evaluate at once (at least 1).</param>
/// <param name="Shard">This run's 0-based share, with <paramref name="ShardCount"/>; cases of other shards are skipped.</param>
/// <param name="ShardCount">How many shards the book is split into (1: no split).</param>
internal sealed record SweepOptions(int Parallelism, int Shard = 0, int ShardCount = 1);

/// <summary>How far a sweep has got, reported as it runs.</summary>
/// <param name="Lines">Lines read so far.</param>
/// <param name="Decided">Cases decided so far.</param>
/// <param name="Errors">Lines that were not valid cases.</param>
internal readonly record struct SweepProgress(long Lines, long Decided, long Errors);

/// <summary>What a sweep did: how many cases, their outcomes, the clauses cited, the bad lines.</summary>
/// <param name="Lines">Non-blank lines read.</param>
/// <param name="Skipped">Lines belonging to other shards.</param>
/// <param name="Errors">Lines that were not valid cases (each has an error record in the output).</param>
/// <param name="ByOutcome">Decisions per outcome.</param>
/// <param name="ByClause">Decisions citing each clause (a decision citing a clause twice counts once), ordered by clause.</param>
/// <param name="Elapsed">Wall time.</param>
internal sealed record SweepSummary(
    long Lines,
    long Skipped,
    long Errors,
    IReadOnlyDictionary<Outcome, long> ByOutcome,
    IReadOnlyDictionary<string, long> ByClause,
    TimeSpan Elapsed)
{
    /// <summary>Cases decided.</summary>
    public long Decided => ByOutcome.Values.Sum();

    /// <summary>Lines processed per second (decided plus errors).</summary>
    public double Rate => Elapsed.TotalSeconds > 0 ? (Decided + Errors) / Elapsed.TotalSeconds : 0;

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append($"{Decided + Errors} lines in {Elapsed.TotalSeconds:0.00} s ({Rate:0} per second): ");
        sb.Append(string.Join(", ", Enum.GetValues<Outcome>().Select(o => $"{ByOutcome.GetValueOrDefault(o)} {DecisionJson.OutcomeName(o)}")));
        sb.Append($", {Errors} error{(Errors == 1 ? "" : "s")}");
        if (Skipped > 0) sb.Append($", {Skipped} in other shards");
        if (ByClause.Count > 0) sb.Append(Environment.NewLine + "by clause: " + string.Join(", ", ByClause.Select(kv => $"{kv.Key} {kv.Value}")));
        return sb.ToString();
    }
}

/// <summary>Evaluates a whole book of accounts: NDJSON cases in, NDJSON decisions out, in input order, on every core.</summary>
/// <remarks>
/// Each output line is <c>{"line":n,"accountId":…,"decision":{…}}</c>, or <c>{"line":n,"error":{…}}</c> for a line
/// that is not a valid case; the run goes on past bad lines. Lines stay bytes end to end: read as UTF-8 (strictly, by
/// the case reader), decided, and written as UTF-8 by the workers, so the thread that keeps the output in order only
/// copies bytes. Memory stays flat whatever the input's length: a bounded number of batches are in flight.
/// </remarks>
internal static class Sweep
{
    private const int BatchSize = 512;

    /// <summary>Runs the sweep.</summary>
    /// <exception cref="ArgumentException">Thrown when the options are out of range.</exception>
    public static async Task<SweepSummary> RunAsync(
        ICreditPolicy policy,
        Stream cases,
        Stream output,
        SweepOptions options,
        IProgress<SweepProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ShardCount < 1 || options.Shard < 0 || options.Shard >= options.ShardCount)
        {
            throw new ArgumentException($"shard {options.Shard}/{options.ShardCount}: expected 0 <= i < n", nameof(options));
        }

        var clock = Stopwatch.StartNew();
        long lines = 0, skipped = 0, errors = 0;
        var byOutcome = new long[3];
        var byClause = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await OrderedParallel.RunBatchesAsync(
            NdjsonCases.Lines(cases),
            batch => Evaluate(policy, batch, options),
            result =>
            {
                try
                {
                    output.Write(result.Output.WrittenSpan);
                }
                finally
                {
                    result.Release();
                }

                lines += result.Lines;
                skipped += result.Skipped;
                errors += result.Errors;
                for (var o = 0; o < byOutcome.Length; o++) byOutcome[o] += result.ByOutcome[o];
                foreach (var (clause, count) in result.ByClause) byClause[clause] = byClause.GetValueOrDefault(clause) + count;
                progress?.Report(new SweepProgress(lines, lines - skipped - errors, errors));
            },
            options.Parallelism,
            BatchSize,
            cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        progress?.Report(new SweepProgress(lines, lines - skipped - errors, errors));
        var outcomes = new Dictionary<Outcome, long>();
        for (var o = 0; o < byOutcome.Length; o++)
        {
            if (byOutcome[o] > 0) outcomes[(Outcome)o] = byOutcome[o];
        }

        return new SweepSummary(lines, skipped, errors, outcomes, byClause, clock.Elapsed);
    }

    /// <summary>What one batch of lines produced: its output bytes (pooled; <see cref="Release"/> gives them back) and its counts.</summary>
    internal sealed class BatchResult
    {
        public required PooledBufferWriter Output { get; init; }

        public long Lines { get; set; }

        public long Skipped { get; set; }

        public long Errors { get; set; }

        public long[] ByOutcome { get; } = new long[3];

        public Dictionary<string, long> ByClause { get; } = new(StringComparer.Ordinal);

        public void Release() => Output.Dispose();
    }

    /// <summary>Reads, decides and writes a batch of lines as <c>sweep</c> does, in order; the one writer of those lines for every door that streams cases.</summary>
    /// <param name="policy">Decides the cases.</param>
    /// <param name="batch">The lines.</param>
    /// <param name="options">The shard kept.</param>
    /// <param name="observe">Told of each line: what it was, the decision's outcome and clauses, and how long it took.</param>
    /// <exception cref="IOException">Thrown when the policy's decision sink cannot record a decision.</exception>
    internal static BatchResult Evaluate(ICreditPolicy policy, NdjsonLine[] batch, SweepOptions options, Action<LineKind, Outcome, IReadOnlyCollection<string>, TimeSpan>? observe = null)
    {
        var result = new BatchResult { Output = new PooledBufferWriter(batch.Length * 1024) };
        try
        {
            return Fill(policy, batch, options, observe, result);
        }
        catch
        {
            result.Release();
            throw;
        }
    }

    private static BatchResult Fill(ICreditPolicy policy, NdjsonLine[] batch, SweepOptions options, Action<LineKind, Outcome, IReadOnlyCollection<string>, TimeSpan>? observe, BatchResult result)
    {
        using var w = DecisionJson.CreateWriter(result.Output);
        var clauses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in batch)
        {
            result.Lines++;
            var started = observe is null ? 0 : Stopwatch.GetTimestamp();
            var kind = WriteLine(policy, line, options, w, result.Output, out var outcome, clauses);
            observe?.Invoke(kind, outcome, clauses, Stopwatch.GetElapsedTime(started));
            switch (kind)
            {
                case LineKind.Skipped:
                    result.Skipped++;
                    continue;
                case LineKind.Error:
                    result.Errors++;
                    break;
                default:
                    result.ByOutcome[(int)outcome]++;
                    foreach (var clause in clauses) result.ByClause[clause] = result.ByClause.GetValueOrDefault(clause) + 1;
                    break;
            }
        }

        return result;
    }

    /// <summary>What a line turned out to be.</summary>
    internal enum LineKind
    {
        Decided,
        Error,
        Skipped,
    }

    /// <summary>Reads, decides and writes one line (with its line feed) as <c>sweep</c> does; a line of another shard writes nothing.</summary>
    /// <param name="policy">Decides the case.</param>
    /// <param name="line">The line.</param>
    /// <param name="options">The shard this run keeps.</param>
    /// <param name="w">A writer over <paramref name="output"/>, made by <see cref="DecisionJson.CreateWriter"/>; reset here for each line.</param>
    /// <param name="output">Where the line's bytes go.</param>
    /// <param name="outcome">The decision's outcome, for a decided line.</param>
    /// <param name="clauses">Filled with the clauses the decision cites, each once.</param>
    internal static LineKind WriteLine(ICreditPolicy policy, NdjsonLine line, SweepOptions options, Utf8JsonWriter w, IBufferWriter<byte> output, out Outcome outcome, HashSet<string> clauses)
    {
        outcome = default;
        clauses.Clear();
        var read = NdjsonCases.Read(line, policy);
        if (options.ShardCount > 1 && NdjsonCases.ShardOf(read.AccountId, line.Utf8.Span, options.ShardCount) != options.Shard)
        {
            return LineKind.Skipped;
        }

        w.Reset(output);
        w.WriteStartObject();
        w.WriteNumber("line"u8, line.Number);
        if (read.Case is null)
        {
            w.WritePropertyName("error"u8);
            WriteProblems(w, read.Problems);
            w.WriteEndObject();
            w.Flush();
            NewLine(output);
            return LineKind.Error;
        }

        var decision = policy.Decide(read.Case);
        w.WriteString("accountId"u8, read.Case.Account.Id);
        w.WritePropertyName("decision"u8);
        DecisionJson.Write(w, decision);
        w.WriteEndObject();
        w.Flush();
        NewLine(output);
        outcome = decision.Outcome;
        foreach (var r in decision.Reasons)
        {
            if (r.Clause is not null) clauses.Add(r.Clause);
        }

        return LineKind.Decided;
    }

    private static void NewLine(IBufferWriter<byte> output)
    {
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }

    /// <summary>Writes a case's problems as <c>{"message":…,"problems":[{"path","message","column"}]}</c>.</summary>
    internal static void WriteProblems(Utf8JsonWriter w, IReadOnlyList<CaseProblem> problems)
    {
        w.WriteStartObject();
        w.WriteString("message"u8, $"not a valid case ({problems.Count} problem{(problems.Count == 1 ? "" : "s")})");
        w.WriteStartArray("problems"u8);
        foreach (var p in problems)
        {
            w.WriteStartObject();
            w.WriteString("path"u8, p.Path);
            w.WriteString("message"u8, p.Message);
            if (p.Column is { } column) w.WriteNumber("column"u8, column);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}

/// <summary>A growable byte buffer rented from the shared pool; dispose to give it back.</summary>
internal sealed class PooledBufferWriter(int initialCapacity) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, initialCapacity));
    private int _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private void Ensure(int sizeHint)
    {
        if (_buffer.Length - _written >= Math.Max(1, sizeHint)) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
