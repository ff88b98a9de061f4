using System.Diagnostics;
using System.Text;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using Newtonsoft.Json;

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
/// that is not a valid case; the run goes on past bad lines. Memory stays flat whatever the input's length.
/// </remarks>
internal static class Sweep
{
    /// <summary>Runs the sweep.</summary>
    /// <exception cref="ArgumentException">Thrown when the options are out of range.</exception>
    public static async Task<SweepSummary> RunAsync(
        ICreditPolicy policy,
        Stream cases,
        TextWriter output,
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
        var byOutcome = new Dictionary<Outcome, long>();
        var byClause = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await OrderedParallel.RunAsync(
            NdjsonCases.Lines(cases),
            line => Evaluate(policy, line, options),
            result =>
            {
                lines++;
                switch (result.Kind)
                {
                    case ResultKind.Skipped:
                        skipped++;
                        return;
                    case ResultKind.Error:
                        errors++;
                        break;
                    default:
                        byOutcome[result.Outcome] = byOutcome.GetValueOrDefault(result.Outcome) + 1;
                        foreach (var clause in result.Clauses) byClause[clause] = byClause.GetValueOrDefault(clause) + 1;
                        break;
                }

                output.Write(result.Json);
                output.Write('\n');
                if (progress is not null && lines % 1024 == 0) progress.Report(new SweepProgress(lines, lines - skipped - errors, errors));
            },
            options.Parallelism,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        progress?.Report(new SweepProgress(lines, lines - skipped - errors, errors));
        return new SweepSummary(lines, skipped, errors, byOutcome, byClause, clock.Elapsed);
    }

    /// <summary>What became of one line: decided, an error record, or left to another shard.</summary>
    internal enum ResultKind
    {
        Decided,
        Error,
        Skipped,
    }

    /// <summary>One line's output: the JSON sweep writes for it (without the line feed), and for a decision its outcome and the clauses it cites.</summary>
    internal readonly record struct LineResult(ResultKind Kind, string Json, Outcome Outcome, string[] Clauses);

    /// <summary>Reads and decides one line, giving the output line <c>sweep</c> writes for it; the one writer of that line, for every door that streams cases.</summary>
    /// <exception cref="IOException">Thrown when the policy's decision sink cannot record the decision.</exception>
    internal static LineResult Evaluate(ICreditPolicy policy, NdjsonLine line, SweepOptions options)
    {
        var read = NdjsonCases.Read(line, policy);
        if (options.ShardCount > 1 && NdjsonCases.ShardOf(read.AccountId, line.Utf8.Span, options.ShardCount) != options.Shard)
        {
            return new LineResult(ResultKind.Skipped, "", default, []);
        }

        var sb = new StringBuilder(1024);
        using var w = new JsonTextWriter(new StringWriter(sb)) { Formatting = Formatting.None };
        w.WriteStartObject();
        w.WritePropertyName("line");
        w.WriteValue(line.Number);
        if (read.Case is null)
        {
            w.WritePropertyName("error");
            WriteProblems(w, read.Problems);
            w.WriteEndObject();
            w.Flush();
            return new LineResult(ResultKind.Error, sb.ToString(), default, []);
        }

        var decision = policy.Decide(read.Case);
        w.WritePropertyName("accountId");
        w.WriteValue(read.Case.Account.Id);
        w.WritePropertyName("decision");
        DecisionJson.Write(w, decision);
        w.WriteEndObject();
        w.Flush();
        var clauses = decision.Reasons.Select(r => r.Clause).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        return new LineResult(ResultKind.Decided, sb.ToString(), decision.Outcome, clauses);
    }

    /// <summary>Writes a case's problems as <c>{"message":…,"problems":[{"path","message","column"}]}</c>.</summary>
    internal static void WriteProblems(JsonWriter w, IReadOnlyList<CaseProblem> problems)
    {
        w.WriteStartObject();
        w.WritePropertyName("message");
        w.WriteValue($"not a valid case ({problems.Count} problem{(problems.Count == 1 ? "" : "s")})");
        w.WritePropertyName("problems");
        w.WriteStartArray();
        foreach (var p in problems)
        {
            w.WriteStartObject();
            w.WritePropertyName("path");
            w.WriteValue(p.Path);
            w.WritePropertyName("message");
            w.WriteValue(p.Message);
            if (p.Column is { } column)
            {
                w.WritePropertyName("column");
                w.WriteValue(column);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
