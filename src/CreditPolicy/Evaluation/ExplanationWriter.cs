using System.Globalization;
using CreditPolicy.Model;
using CreditPolicy.Rules.Effects;
using NodaTime.Text;

namespace CreditPolicy.Evaluation;

/// <summary>Writes an <see cref="Explanation"/> for a person: every rule run in order, whether it fired, its clause and the values it looked at, then the decision.</summary>
/// <remarks>
/// This is what <c>creditpolicy explain</c> prints. A grant rule's line names the grant it ran for:
/// <code>
///  12. grant-expired (B.1) for grant g1: fired, status expired
///        c.AsOf = 2026-11-25T10:00:00Z
///        g.Expiry = 2026-11-21T09:00:00Z
///        g.ExpiryStatus = "expired"
/// </code>
/// Values are written invariantly: instants in ISO-8601 UTC, amounts exactly, strings quoted.
/// </remarks>
internal static class ExplanationWriter
{
    /// <summary>The explanation as text, lines ending in <c>\n</c>.</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static string Format(CreditCase @case, Explanation evaluation)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(w, @case, evaluation);
        return w.ToString();
    }

    /// <summary>Writes the explanation of a case's evaluation.</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static void Write(TextWriter w, CreditCase @case, Explanation evaluation)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(@case);
        ArgumentNullException.ThrowIfNull(evaluation);
        var d = evaluation.Decision;
        w.WriteLine($"Case: {Describe(@case)}, as of {Instant(d.AsOf)}");
        w.WriteLine($"Rules: terms {d.Rules.TermsVersion ?? "(none in force)"} ({d.Rules.Digest}), tzdb {d.Rules.Tzdb}");
        w.WriteLine();
        w.WriteLine(evaluation.Trace.Count == 0 ? "No rule ran." : $"Rules run, in order ({evaluation.Trace.Count}):");
        var width = evaluation.Trace.Count.ToString(CultureInfo.InvariantCulture).Length;
        for (var i = 0; i < evaluation.Trace.Count; i++)
        {
            var t = evaluation.Trace[i];
            var number = (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width + 1);
            var target = t.GrantId is null ? "" : $" for grant {t.GrantId}";
            var result = t.Fired ? "fired" : "did not fire";
            w.WriteLine($"{number}. {t.Rule} ({t.Clause}){target}: {result}{(t.Detail is null ? "" : ", " + t.Detail)}");
            foreach (var v in t.Values) w.WriteLine($"{new string(' ', width + 5)}{v}");
        }

        w.WriteLine();
        w.WriteLine($"Decision: {DecisionJson.OutcomeName(d.Outcome)}");
        foreach (var r in d.Reasons)
        {
            var clause = r.Clause is null ? "" : $" ({r.Clause})";
            var grant = r.GrantId is null ? "" : $" for grant {r.GrantId}";
            w.WriteLine($"  because {r.Rule}{clause}{grant}: {r.Message}");
        }

        foreach (var effect in EffectModules.All)
        {
            foreach (var line in effect.Explain(d)) w.WriteLine($"  {effect.Name}: {line}");
        }

        if (d.Record is { } record)
        {
            w.WriteLine($"  record: {record.Id} (case {record.CaseDigest}, CreditPolicy {record.LibraryVersion})");
        }
    }

    private static string Describe(CreditCase c)
    {
        var r = c.Request;
        var fields = r.Attributes.Where(kv => kv.Value is not null).Select(kv => $"{kv.Key} {TraceValue.Format(kv.Value)}").ToArray();
        var what = $"'{r.Type}'" + (fields.Length == 0 ? "" : " with " + string.Join(", ", fields));
        return $"{what} on account {c.Account.Id} with {c.Grants.Count} grant{(c.Grants.Count == 1 ? "" : "s")}";
    }

    private static string Instant(NodaTime.Instant i) => InstantPattern.ExtendedIso.Format(i);
}
