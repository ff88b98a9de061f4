using System.Globalization;
using CreditPolicy.Json;
using CreditPolicy.Model;
using NodaTime.Text;

namespace CreditPolicy.Evaluation;

/// <summary>Writes an <see cref="Evaluation"/> for a person: every rule run in order, whether it fired, its clause and the values it looked at, then the decision.</summary>
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
public static class ExplanationWriter
{
    /// <summary>The explanation as text, lines ending in <c>\n</c>.</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static string Format(CreditCase @case, Evaluation evaluation)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(w, @case, evaluation);
        return w.ToString();
    }

    /// <summary>Writes the explanation of a case's evaluation.</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static void Write(TextWriter w, CreditCase @case, Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(@case);
        ArgumentNullException.ThrowIfNull(evaluation);
        var d = evaluation.Decision;
        w.WriteLine($"Case: {Describe(@case)}, as of {Instant(d.AsOf)}");
        w.WriteLine($"Rules: terms {d.Rules.TermsVersion} ({d.Rules.Digest})");
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

        if (d.Allocations.Count > 0)
        {
            w.WriteLine("  allocations: " + string.Join(", ", d.Allocations.Select(a => $"{Money(a.Amount)} from {a.GrantId} ({a.Kind})")));
        }

        if (d.Forfeitures.Count > 0)
        {
            w.WriteLine("  forfeitures: " + string.Join(", ", d.Forfeitures.Select(f => $"{Money(f.Amount)} of {f.GrantId} ({f.Kind}) at {Instant(f.At)}")));
        }

        foreach (var e in d.Expirations)
        {
            w.WriteLine($"  expiration: {e.GrantId} ({e.Kind}) {(e.Expired ? "expired" : "expires")} at {Instant(e.ExpiresAt)} by {e.Rule} ({e.Clause}), remaining {Money(e.Remaining)}");
        }

        if (d.Reload is { } reload) w.WriteLine($"  reload: {Money(reload.Amount)} charged on {LocalDatePattern.Iso.Format(reload.ChargeOn)}");
        if (d.Balance is { } balance)
        {
            var byKind = string.Join(", ", balance.ByKind.Select(kv => $"{kv.Key} {Money(kv.Value)}"));
            w.WriteLine($"  balance: {Money(balance.Total)}{(byKind.Length == 0 ? "" : $" ({byKind})")}");
        }

        if (d.Record is { } record)
        {
            w.WriteLine($"  record: {record.Id} (case {record.CaseDigest}, CreditPolicy {record.LibraryVersion})");
        }
    }

    private static string Describe(CreditCase c)
    {
        var r = c.Request;
        var account = c.Account is { } a ? $"account {a.Id} ({a.Status}, {a.TimeZone})" : "no account";
        var what = r?.Type switch
        {
            null => "no request",
            _ => $"'{r.Type}'"
                + (r.Amount is { } amount ? $" of {Money(amount)}" : "")
                + (r.GrantId is { } grant ? $" of grant {grant}" : "")
                + (r.RequestedBy is { } by ? $" by {by}" : "")
                + (r.ToAccountId is { } to ? $" to {to}" : "")
                + (r.Until is { } until ? $" until {Instant(until)}" : ""),
        };
        var grants = c.Grants?.Count ?? 0;
        return $"{what} on {account} with {grants} grant{(grants == 1 ? "" : "s")}";
    }

    private static string Money(decimal m) => m.ToString(CultureInfo.InvariantCulture);

    private static string Instant(NodaTime.Instant i) => InstantPattern.ExtendedIso.Format(i);
}
