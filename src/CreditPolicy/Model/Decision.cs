using NodaTime;

namespace CreditPolicy.Model;

/// <summary>The three outcomes of a decision.</summary>
public enum Outcome
{
    /// <summary>The request may proceed, with the effects the decision lists.</summary>
    Permit,
    /// <summary>The request may not proceed; the reasons say why.</summary>
    Deny,
    /// <summary>The evaluator could not decide (a rule failed or the case is inconsistent); callers treat it as deny.</summary>
    Indeterminate,
}

/// <summary>The answer to a case: an outcome, the rules that decided it and the effects of a permit.</summary>
/// <param name="Outcome">Permit, deny or indeterminate.</param>
/// <param name="Reasons">Every rule that decided, with its clause and message.</param>
/// <param name="Allocations">For <c>use</c>: how much is drawn from which grant, in draw order.</param>
/// <param name="Forfeitures">For <c>closeAccount</c>: every remaining credit that expires at closure.</param>
/// <param name="Expirations">For <c>expirations</c>: each grant's expiry.</param>
/// <param name="Reload">For <c>reload</c>: the reload that is due.</param>
/// <param name="Balance">For <c>balance</c>: the available balance by kind.</param>
/// <param name="Movement">For a permitted refund, cash-out, transfer or sale: what moves.</param>
/// <param name="Rules">The version of the terms (and tz database) that decided.</param>
/// <param name="AsOf">The instant the decision is for.</param>
/// <remarks>
/// Immutable: every decision an <see cref="ICreditPolicy"/> returns carries its <see cref="Record"/> (computed when first
/// read, or when the decision was made if a decision log records it); it is null only on a decision constructed by hand.
/// </remarks>
public sealed record Decision(
    Outcome Outcome,
    IReadOnlyList<Reason> Reasons,
    IReadOnlyList<Allocation> Allocations,
    IReadOnlyList<Forfeiture> Forfeitures,
    IReadOnlyList<Expiration> Expirations,
    ReloadCharge? Reload,
    BalanceReport? Balance,
    Movement? Movement,
    RuleSetIdentity Rules,
    Instant AsOf)
{
    /// <summary>Whether the request may proceed. Indeterminate is never permitted.</summary>
    public bool IsPermitted => Outcome == Outcome.Permit;

    private DecisionRecord? _record;
    private Func<Decision, DecisionRecord>? _computeRecord;

    /// <summary>The decision's id, the digest of the case it answered and the library version that made it.</summary>
    /// <remarks>
    /// Computed the first time it is read (writing the decision as JSON reads it), so a caller that only looks at the
    /// outcome does not pay for digesting the case. The value depends only on the case, the rules and the library
    /// version, so it is the same whenever, and on whichever thread, it is read; a case is not changed once decided.
    /// </remarks>
    public DecisionRecord? Record
    {
        get => _record ??= _computeRecord?.Invoke(this);
        init
        {
            _record = value;
            _computeRecord = null;
        }
    }

    /// <summary>Makes <see cref="Record"/> the value <paramref name="compute"/> gives for this decision, computed when first read.</summary>
    internal Decision RecordOnDemand(Func<Decision, DecisionRecord> compute)
    {
        _computeRecord = compute;
        _record = null;
        return this;
    }
}

/// <summary>Why a decision came out as it did: the rule, the clause of the terms it enforces, and a message.</summary>
/// <param name="Rule">The rule's stable name, or a name starting with <c>evaluator:</c> when no rule decided.</param>
/// <param name="Clause">The clause the rule enforces, for example the one in its <c>clause</c> property.</param>
/// <param name="Message">A sentence for a person.</param>
/// <param name="GrantId">The grant the reason is about, when it is about one.</param>
public sealed record Reason(string Rule, string? Clause, string Message, string? GrantId = null);

/// <summary>An amount drawn from one grant by a <c>use</c>.</summary>
/// <param name="GrantId">The grant drawn from.</param>
/// <param name="Kind">The grant's kind.</param>
/// <param name="Amount">The amount drawn; never above the grant's remaining.</param>
public sealed record Allocation(string GrantId, string Kind, decimal Amount);

/// <summary>Credits that expire because the account closes.</summary>
/// <param name="GrantId">The grant forfeited.</param>
/// <param name="Kind">The grant's kind.</param>
/// <param name="Amount">The amount lost.</param>
/// <param name="At">When it is lost.</param>
public sealed record Forfeiture(string GrantId, string Kind, decimal Amount, Instant At);

/// <summary>When one grant expires and which rule said so.</summary>
/// <param name="GrantId">The grant.</param>
/// <param name="Kind">The grant's kind.</param>
/// <param name="ExpiresAt">The expiry instant; null when the grant never expires.</param>
/// <param name="Rule">The rule that set it.</param>
/// <param name="Clause">That rule's clause.</param>
/// <param name="Expired">Whether <c>asOf</c> is at or after <paramref name="ExpiresAt"/>.</param>
/// <param name="Remaining">The grant's remaining amount.</param>
public sealed record Expiration(string GrantId, string Kind, Instant? ExpiresAt, string Rule, string Clause, bool Expired, decimal Remaining);

/// <summary>A reload that is due under the Balance Maintenance Service.</summary>
/// <param name="Amount">The amount to add and charge.</param>
/// <param name="ChargeOn">The local date of the charge in the account's zone.</param>
public sealed record ReloadCharge(decimal Amount, LocalDate ChargeOn);

/// <summary>What a permitted refund, cash-out, transfer or sale moves.</summary>
/// <param name="GrantId">The grant the credits come from.</param>
/// <param name="Kind">The grant's kind.</param>
/// <param name="Amount">How much moves; never above the grant's remaining.</param>
/// <param name="ToAccountId">The receiving account; null when the credits leave without one (a refund or cash-out).</param>
public sealed record Movement(string GrantId, string Kind, decimal Amount, string? ToAccountId);

/// <summary>The available balance: unexpired, confirmed, unforfeited credits the account holds.</summary>
/// <param name="Total">The sum over all kinds.</param>
/// <param name="ByKind">The sum per kind, ordered by kind.</param>
public sealed record BalanceReport(decimal Total, IReadOnlyDictionary<string, decimal> ByKind);

/// <summary>Which rules decided: the terms version, a digest of its files, and the time-zone database calendar arithmetic used.</summary>
/// <remarks>
/// A decision names the version of the terms that decided it. When no version could (the case's <c>asOf</c> is
/// before every version takes effect, or its account pins a version the rules do not hold), the decision is
/// indeterminate, <see cref="TermsVersion"/> is null and <see cref="Digest"/> is the whole rule directory's.
/// </remarks>
/// <param name="TermsVersion">The version named in <c>terms.json</c>, or null when no single version decided.</param>
/// <param name="Digest"><c>sha256:</c> and the hex digest over every rule file's path and bytes (for several versions, over each version's digest).</param>
/// <param name="Tzdb">The IANA release of the tz database expiries were computed with, for example <c>2026f</c>.</param>
public sealed record RuleSetIdentity(string? TermsVersion, string Digest, string Tzdb);
