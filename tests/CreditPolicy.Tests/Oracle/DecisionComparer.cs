using CreditPolicy.Model;
using NodaTime.Text;

namespace CreditPolicy.Tests.Oracle;

/// <summary>Lists every way two decisions differ in what they decide: outcome, cited rules and clauses (in order), and every effect.</summary>
/// <remarks>Messages and the rule-set identity are not compared; amounts are compared by value (20 equals 20.00).</remarks>
internal static class DecisionComparer
{
    public static IReadOnlyList<string> Differences(Decision rules, Decision oracle)
    {
        var d = new List<string>();
        if (rules.Outcome != oracle.Outcome) d.Add($"outcome: rules {rules.Outcome}, oracle {oracle.Outcome}");
        Compare(d, "reasons", rules.Reasons, oracle.Reasons, r => $"{r.Rule} ({r.Clause}){(r.GrantId is null ? "" : " grant " + r.GrantId)}");
        Compare(d, "allocations", rules.Allocations, oracle.Allocations, a => $"{a.GrantId} {a.Kind} {Money(a.Amount)}");
        Compare(d, "forfeitures", rules.Forfeitures, oracle.Forfeitures, f => $"{f.GrantId} {f.Kind} {Money(f.Amount)} at {At(f.At)}");
        Compare(d, "expirations", rules.Expirations, oracle.Expirations,
            e => $"{e.GrantId} {e.Kind} {At(e.ExpiresAt)} by {e.Rule} ({e.Clause}) expired={e.Expired} remaining {Money(e.Remaining)}");
        var rulesReload = rules.Reload is { } a ? $"{Money(a.Amount)} on {a.ChargeOn:uuuu-MM-dd}" : "none";
        var oracleReload = oracle.Reload is { } b ? $"{Money(b.Amount)} on {b.ChargeOn:uuuu-MM-dd}" : "none";
        if (rulesReload != oracleReload) d.Add($"reload: rules {rulesReload}, oracle {oracleReload}");
        var rulesMovement = rules.Movement is { } x ? $"{Money(x.Amount)} of {x.GrantId} ({x.Kind}) to {x.ToAccountId ?? "nobody"}" : "none";
        var oracleMovement = oracle.Movement is { } y ? $"{Money(y.Amount)} of {y.GrantId} ({y.Kind}) to {y.ToAccountId ?? "nobody"}" : "none";
        if (rulesMovement != oracleMovement) d.Add($"movement: rules {rulesMovement}, oracle {oracleMovement}");
        var rulesBalance = Balance(rules.Balance);
        var oracleBalance = Balance(oracle.Balance);
        if (rulesBalance != oracleBalance) d.Add($"balance: rules {rulesBalance}, oracle {oracleBalance}");
        return d;
    }

    private static void Compare<T>(List<string> d, string name, IReadOnlyList<T> rules, IReadOnlyList<T> oracle, Func<T, string> show)
    {
        var x = rules.Select(show).ToArray();
        var y = oracle.Select(show).ToArray();
        if (x.SequenceEqual(y, StringComparer.Ordinal)) return;
        d.Add($"{name}:{Environment.NewLine}    rules  [{string.Join("; ", x)}]{Environment.NewLine}    oracle [{string.Join("; ", y)}]");
    }

    // Normalised so that 20 and 20.00 compare equal: value, not scale, is what a decision says.
    private static string Money(decimal m) => (m / 1.000000000000000000000000000000000m).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string At(NodaTime.Instant? i) => i is { } at ? InstantPattern.ExtendedIso.Format(at) : "never";

    private static string Balance(BalanceReport? b) =>
        b is null ? "none" : $"{Money(b.Total)} {{{string.Join(", ", b.ByKind.Select(k => $"{k.Key}: {Money(k.Value)}"))}}}";
}
