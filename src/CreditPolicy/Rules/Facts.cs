using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Rules;

/// <summary>What a rule expression sees as <c>c</c>: the case, with the grants' computed facts.</summary>
/// <remarks>
/// <para>For each vocabulary and request type a derived type adds the typed members <c>Account</c>, <c>Request</c>,
/// <c>Grants</c> and <c>Target</c>, so <c>c.Request.Amount</c> is a <see cref="decimal"/> in a rule for <c>use</c> requests
/// and does not exist in a rule for <c>refund</c> requests. Grant rules and checks see <c>c.Request.Type</c> only.</para>
/// <para>Grant facts are computed in two phases the first time anything asks for them: first every expiry rule for every
/// grant, then every exclusion rule for every grant. Rules are refused at load when they read a fact its phase has not
/// finished (an expiry rule reading any grant's expiry, an exclusion rule reading another grant's availability), so a
/// decision never depends on the order of grants in the case.</para>
/// </remarks>
internal abstract class CaseFacts
{
    private GrantFacts[]? _grants;
    private bool _grantStageStarted;

    internal CreditCase Case { get; private set; } = null!;

    internal RuleSet? Set { get; private set; }

    internal FactsTypes Types { get; private set; } = null!;

    internal Action<CaseFacts>? GrantStage { get; private set; }

    /// <summary>The account as its base type; the derived type's <c>Account</c> gives it typed.</summary>
    internal CaseAccount AccountObject => Case.Account;

    /// <summary>The request as its base type; the derived type's <c>Request</c> gives it typed.</summary>
    internal CaseRequest RequestObject => Case.Request;

    /// <summary>True while a trace reads a rule's facts: then nothing may start the grant rules, so tracing cannot change the decision.</summary>
    internal bool Probing { get; set; }

    /// <summary>The decision instant: the only "now".</summary>
    public Instant AsOf => Case.AsOf;

    /// <summary>The instant the deciding version of the terms took effect; null when it is in force at every instant.</summary>
    public Instant? EffectiveFrom => Set?.EffectiveFrom;

    /// <summary>The sum of <c>remaining</c> over available grants (no exclusion rule excluded them).</summary>
    public decimal Available
    {
        get
        {
            var sum = 0m;
            foreach (var g in GrantArray)
            {
                StepBudget.Tick();
                if (g.IsAvailable) sum += g.Remaining;
            }

            return sum;
        }
    }

    /// <summary>The sum of <c>remaining</c> over available grants of one kind.</summary>
    public decimal AvailableOf(string kind)
    {
        var sum = 0m;
        foreach (var g in GrantArray)
        {
            StepBudget.Tick();
            if (g.IsAvailable && string.Equals(g.Kind, kind, StringComparison.Ordinal)) sum += g.Remaining;
        }

        return sum;
    }

    internal void Init(CreditCase @case, RuleSet? set, FactsTypes types, Action<CaseFacts>? grantStage)
    {
        Case = @case;
        Set = set;
        Types = types;
        GrantStage = grantStage;
    }

    /// <summary>The grants after the grant rules ran (started now if nothing needed them yet), as an array of the vocabulary's grant facts type.</summary>
    internal GrantFacts[] GrantArray
    {
        get
        {
            var grants = RawGrants;
            if (!_grantStageStarted && GrantStage is { } stage)
            {
                if (Probing) throw new InvalidOperationException("not computed: no rule had needed the grants' facts yet");
                _grantStageStarted = true;
                stage(this);
            }

            return grants;
        }
    }

    /// <summary>The grants' facts objects in grant id order, made on first use; a request that never looks at grants never builds them.</summary>
    internal GrantFacts[] RawGrants => _grants ??= Types.NewGrants(Case);

    /// <summary>The grant the request names (its <c>grantId</c> field), or null.</summary>
    internal GrantFacts? TargetFacts
    {
        get
        {
            if (Case.Request.TargetGrantId is not { } id) return null;
            foreach (var g in GrantArray)
            {
                StepBudget.Tick();
                if (string.Equals(g.Id, id, StringComparison.Ordinal)) return g;
            }

            return null;
        }
    }

    /// <summary>The grants as the derived type's <c>Grants</c> gives them (grant rules have run).</summary>
    internal object GrantList => GrantArray;
}

/// <summary>What a rule expression sees as <c>g</c> (and in <c>c.Grants</c>): a grant's declared attributes and what the grant rules computed.</summary>
internal abstract class GrantFacts
{
    private Instant? _expiry;
    private bool _never;
    private List<(string Status, Instant At)>? _proposals;
    private List<string>? _statuses;
    private List<(string Rule, string Clause, string Message)>? _exclusions;

    protected GrantFacts(CaseGrant data, int index)
    {
        Data = data;
        Index = index;
    }

    internal CaseGrant Data { get; }

    internal int Index { get; }

    /// <summary>The grant id.</summary>
    public string Id => Data.Id;

    /// <summary>The kind of credit.</summary>
    public string Kind => Data.Kind;

    /// <summary>The amount not yet used.</summary>
    public decimal Remaining => Data.Remaining;

    /// <summary>When the grant expires: the earliest instant any matching expiry rule gave; <see cref="Instant.MaxValue"/> when the rule that decided says it never expires.</summary>
    /// <exception cref="InvalidOperationException">Thrown when read before the expiry rules have run.</exception>
    public Instant Expiry => _expiry ?? throw new InvalidOperationException($"The expiry of grant '{Id}' is not known until the expiry rules have run.");

    /// <summary>Whether the expiry rule that decided says the grant never expires.</summary>
    public bool NeverExpires => _expiry is not null ? _never : throw new InvalidOperationException($"The expiry of grant '{Id}' is not known until the expiry rules have run.");

    /// <summary>The <c>status</c> of the expiry rule that set <see cref="Expiry"/> (for example <c>expired</c> or <c>forfeited</c>).</summary>
    public string ExpiryStatus { get; private set; } = "";

    /// <summary>The earliest expiry proposed by rules with this status (for example the time-based <c>expired</c> one even when closure's <c>forfeited</c> one is earlier); null when none proposed one.</summary>
    public Instant? ExpiryFor(string status)
    {
        if (_expiry is null) throw new InvalidOperationException($"The expiries of grant '{Id}' are not known until the expiry rules have run.");
        Instant? best = null;
        foreach (var (s, at) in _proposals ?? [])
        {
            if (string.Equals(s, status, StringComparison.Ordinal) && (best is null || at < best.Value)) best = at;
        }

        return best;
    }

    /// <summary>Whether no exclusion rule excluded the grant.</summary>
    public bool IsAvailable => _statuses is null;

    /// <summary>Whether an exclusion rule that ran so far gave the grant this status (for example <c>forfeited</c>).</summary>
    public bool Is(string status) => _statuses?.Contains(status) ?? false;

    internal string ExpiryRule { get; private set; } = "";

    internal string ExpiryClause { get; private set; } = "";

    internal bool HasExpiry => _expiry is not null;

    internal IReadOnlyList<(string Rule, string Clause, string Message)> Exclusions => _exclusions ?? (IReadOnlyList<(string, string, string)>)[];

    internal void Propose(string status, Instant at) => (_proposals ??= []).Add((status, at));

    internal void SetExpiry(Instant expiry, bool never, string rule, string clause, string status)
    {
        _expiry = expiry;
        _never = never;
        ExpiryRule = rule;
        ExpiryClause = clause;
        ExpiryStatus = status;
    }

    internal void Exclude(string status, string rule, string clause, string message)
    {
        (_statuses ??= []).Add(status);
        (_exclusions ??= []).Add((rule, clause, message));
    }
}
