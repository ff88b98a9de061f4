using System.Diagnostics;
using CreditPolicy.Evaluation;
using CreditPolicy.Rules.Effects;
using CreditPolicy.Model;

namespace CreditPolicy.Batch;

/// <summary>How an impact diff runs.</summary>
/// <param name="Parallelism">How many cores evaluate at once (at least 1).</param>
/// <param name="ExamplesPerGroup">How many example cases to keep per group of changes.</param>
internal sealed record DiffOptions(int Parallelism, int ExamplesPerGroup = 3);

/// <summary>Changed decisions that share a before outcome, an after outcome and the rule (and clause) behind the change.</summary>
/// <param name="Before">The outcome under the old rules.</param>
/// <param name="After">The outcome under the new rules.</param>
/// <param name="Rule">The first rule cited by one side and not the other (or, when only effects changed, the first rule cited).</param>
/// <param name="Clause">That rule's clause.</param>
/// <param name="Count">How many cases changed this way.</param>
/// <param name="Examples">A few of them, as <c>line N (account)</c>.</param>
internal sealed record DiffGroup(Outcome Before, Outcome After, string Rule, string? Clause, long Count, IReadOnlyList<string> Examples);

/// <summary>What changing the rules does to a corpus of cases.</summary>
/// <param name="Cases">Valid cases evaluated under both rule sets.</param>
/// <param name="Changed">Cases whose decision differs (outcome, reasons or any effect).</param>
/// <param name="Errors">Lines that were not valid cases (not compared).</param>
/// <param name="Groups">The changes grouped, largest first.</param>
/// <param name="Elapsed">Wall time.</param>
internal sealed record DiffReport(long Cases, long Changed, long Errors, IReadOnlyList<DiffGroup> Groups, TimeSpan Elapsed)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var lines = new List<string>
        {
            $"{Changed} of {Cases} decisions changed ({(Cases == 0 ? 0 : 100.0 * Changed / Cases):0.##}%); {Errors} line{(Errors == 1 ? "" : "s")} not valid cases; {Elapsed.TotalSeconds:0.00} s",
        };
        foreach (var g in Groups)
        {
            lines.Add($"  {g.Count,8}  {DecisionJson.OutcomeName(g.Before)} -> {DecisionJson.OutcomeName(g.After)}  {g.Rule} ({g.Clause ?? "no clause"})  e.g. {string.Join(", ", g.Examples)}");
        }

        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Evaluates every case under two rule sets and reports how the decisions change: what a policy author runs before shipping an edit.</summary>
/// <remarks>Streams: a million cases take the memory of a thousand, plus one entry per distinct group of changes.</remarks>
internal static class ImpactDiff
{
    /// <summary>Runs the diff over an NDJSON stream of cases.</summary>
    public static async Task<DiffReport> RunAsync(
        ICreditPolicy before,
        ICreditPolicy after,
        Stream cases,
        DiffOptions options,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        long total = 0, changed = 0, errors = 0, lines = 0;
        var groups = new Dictionary<(Outcome, Outcome, string, string?), (long Count, List<string> Examples)>();
        await OrderedParallel.RunAsync(
            NdjsonCases.Lines(cases),
            line =>
            {
                // Each side reads the case against its own vocabulary: an edit may have changed it.
                var read = NdjsonCases.Read(line, before);
                if (read.Case is null) return null;
                var again = NdjsonCases.Read(line, after);
                return new Pair(before.Decide(read.Case), again.Case is null ? null : after.Decide(again.Case), read);
            },
            result =>
            {
                lines++;
                if (progress is not null && lines % 1024 == 0) progress.Report(lines);
                if (result is not var (b, aOrNull, read))
                {
                    errors++;
                    return;
                }

                var a = aOrNull ?? Invalid(b);

                total++;
                if (SameDecision(b, a)) return;
                changed++;
                var cause = a.Reasons.FirstOrDefault(r => !b.Reasons.Contains(r)) ?? b.Reasons.FirstOrDefault(r => !a.Reasons.Contains(r)) ?? a.Reasons.FirstOrDefault();
                var key = (b.Outcome, a.Outcome, cause?.Rule ?? "(no reason)", cause?.Clause);
                var entry = groups.TryGetValue(key, out var e) ? e : (0, new List<string>());
                if (entry.Examples.Count < options.ExamplesPerGroup) entry.Examples.Add($"line {read.Line} ({read.Case!.Account.Id})");
                groups[key] = (entry.Count + 1, entry.Examples);
            },
            options.Parallelism,
            cancellationToken: cancellationToken).ConfigureAwait(false);

        var ordered = groups
            .Select(kv => new DiffGroup(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Key.Item4, kv.Value.Count, kv.Value.Examples))
            .OrderByDescending(g => g.Count)
            .ThenBy(g => g.Before)
            .ThenBy(g => g.After)
            .ThenBy(g => g.Rule, StringComparer.Ordinal)
            .ToArray();
        return new DiffReport(total, changed, errors, ordered, clock.Elapsed);
    }

    private sealed record Pair(Decision Before, Decision? After, NdjsonCase Read);

    /// <summary>Stands for a case the edited vocabulary no longer accepts: every such case counts as changed to indeterminate.</summary>
    private static Decision Invalid(Decision before) =>
        new(Outcome.Indeterminate, [new Reason("evaluator:invalid-case", null, "The case is not valid under the edited vocabulary.")], [], [], [], null, null, null, before.Rules, before.AsOf);

    /// <summary>Whether two decisions agree on outcome, reasons and every effect (the rule set that made them aside).</summary>
    public static bool SameDecision(Decision a, Decision b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.Outcome == b.Outcome
            && a.Reasons.SequenceEqual(b.Reasons)
            && EffectModules.All.All(effect => effect.Same(a, b));
    }
}
