using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Rules;

/// <summary>What a rule expression sees as <c>c</c>: the case, with the grants' computed facts.</summary>
/// <remarks>
/// Grant facts (<see cref="Grants"/>, <see cref="Target"/>, <see cref="Available"/>) are computed by the
/// grant rules the first time an expression asks for them, so requests that never look at grants
/// never pay for them.
/// </remarks>
public sealed class CaseFacts
{
    private GrantFacts[]? _grants;
    private readonly Action<CaseFacts>? _grantStage;
    private bool _grantStageDone;

    internal CaseFacts(CreditCase @case, Action<CaseFacts>? grantStage)
    {
        Case = @case;
        AsOf = @case.AsOf;
        Account = new AccountFacts(@case.Account);
        Request = new RequestFacts(@case.Request);
        _grantStage = grantStage;
        _grantStageDone = grantStage is null;
    }

    internal CreditCase Case { get; }

    /// <summary>The decision instant: the only "now".</summary>
    public Instant AsOf { get; }

    /// <summary>The account.</summary>
    public AccountFacts Account { get; }

    /// <summary>The request.</summary>
    public RequestFacts Request { get; }

    /// <summary>Every grant, with its computed expiry and statuses.</summary>
    public IReadOnlyList<GrantFacts> Grants
    {
        get
        {
            EnsureGrantFacts();
            return RawGrants;
        }
    }

    /// <summary>The grant named by <c>request.grantId</c>, or null.</summary>
    public GrantFacts? Target
    {
        get
        {
            if (Request.GrantId is null) return null;
            foreach (var g in GrantArray)
            {
                StepBudget.Tick();
                if (string.Equals(g.Id, Request.GrantId, StringComparison.Ordinal)) return g;
            }

            return null;
        }
    }

    /// <summary>The sum of <c>remaining</c> over available grants (no grant rule excluded them).</summary>
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

    /// <summary>The grants after the grant rules ran, as an array (iterating it allocates no enumerator).</summary>
    internal GrantFacts[] GrantArray
    {
        get
        {
            EnsureGrantFacts();
            return RawGrants;
        }
    }

    /// <summary>The grants' facts, made on first use: a request that never looks at grants never builds them.</summary>
    internal GrantFacts[] RawGrants
    {
        get
        {
            if (_grants is null)
            {
                var grants = new GrantFacts[Case.Grants.Count];
                for (var i = 0; i < grants.Length; i++) grants[i] = new GrantFacts(Case.Grants[i]);
                _grants = grants;
            }

            return _grants;
        }
    }

    /// <summary>True while a trace reads a rule's facts: then nothing may start the grant rules, so tracing cannot change the decision.</summary>
    internal bool Probing { get; set; }

    internal void EnsureGrantFacts()
    {
        if (_grantStageDone) return;
        if (Probing) throw new InvalidOperationException("not computed: no rule had needed the grants' facts yet");
        _grantStageDone = true;
        _grantStage!(this);
    }
}

/// <summary>What a rule expression sees as <c>c.Account</c>.</summary>
public sealed class AccountFacts
{
    internal AccountFacts(Account a)
    {
        Id = a.Id;
        Status = a.Status;
        ClosedAt = a.ClosedAt;
        TimeZone = a.TimeZone;
        BalanceMaintenance = new MaintenanceFacts(a.BalanceMaintenance);
    }

    /// <summary>The account id.</summary>
    public string Id { get; }

    /// <summary><c>open</c> or <c>closed</c>.</summary>
    public string Status { get; }

    /// <summary>When the account closed, or null.</summary>
    public Instant? ClosedAt { get; }

    /// <summary>The IANA zone id for calendar arithmetic.</summary>
    public string TimeZone { get; }

    /// <summary>The Balance Maintenance settings; never null (<see cref="MaintenanceFacts.Configured"/> is false when absent).</summary>
    public MaintenanceFacts BalanceMaintenance { get; }
}

/// <summary>What a rule expression sees as <c>c.Account.BalanceMaintenance</c>.</summary>
public sealed class MaintenanceFacts
{
    internal MaintenanceFacts(BalanceMaintenance? m)
    {
        Configured = m is not null;
        Enabled = m?.Enabled ?? false;
        Threshold = m?.Threshold ?? 0m;
        ReloadAmount = m?.ReloadAmount ?? 0m;
        PaymentMethodOnFile = m?.PaymentMethodOnFile ?? false;
        OptedOutAt = m?.OptedOutAt;
        PendingReloadAmount = m?.PendingReloadAmount ?? 0m;
    }

    /// <summary>Whether the case has Balance Maintenance settings at all.</summary>
    public bool Configured { get; }

    /// <summary>Whether the customer activated the service.</summary>
    public bool Enabled { get; }

    /// <summary>The level at or below which a reload is due.</summary>
    public decimal Threshold { get; }

    /// <summary>The amount of one reload.</summary>
    public decimal ReloadAmount { get; }

    /// <summary>Whether a payment method is designated.</summary>
    public bool PaymentMethodOnFile { get; }

    /// <summary>When the customer opted out, or null.</summary>
    public Instant? OptedOutAt { get; }

    /// <summary>Reloads charged but not yet added.</summary>
    public decimal PendingReloadAmount { get; }
}

/// <summary>What a rule expression sees as <c>c.Request</c>.</summary>
public sealed class RequestFacts
{
    internal RequestFacts(CreditRequest r)
    {
        Type = r.Type;
        Amount = r.Amount ?? 0m;
        RequestedBy = r.RequestedBy;
        GrantId = r.GrantId;
        ToAccountId = r.ToAccountId;
        Until = r.Until;
    }

    /// <summary>The request type, for example <c>use</c>.</summary>
    public string Type { get; }

    /// <summary>The amount asked for; 0 for request types without one.</summary>
    public decimal Amount { get; }

    /// <summary>The account asking to use credits, or null.</summary>
    public string? RequestedBy { get; }

    /// <summary>The grant named by the request, or null.</summary>
    public string? GrantId { get; }

    /// <summary>The receiving account of a transfer or sale, or null.</summary>
    public string? ToAccountId { get; }

    /// <summary>The horizon of an <c>expirations</c> request, or null.</summary>
    public Instant? Until { get; }
}

/// <summary>What a rule expression sees as <c>g</c> (and in <c>c.Grants</c>): a grant and what the grant rules computed.</summary>
public sealed class GrantFacts
{
    private Instant? _expiry;
    private List<string>? _statuses;
    private List<(string Rule, string Clause, string Message)>? _exclusions;

    internal GrantFacts(Grant g)
    {
        Id = g.Id;
        Kind = g.Kind;
        Source = g.Source;
        HolderAccountId = g.HolderAccountId;
        Amount = g.Amount;
        Remaining = g.Remaining;
        IssuedAt = g.IssuedAt;
        ConfirmedAt = g.ConfirmedAt;
        ExpiresAt = g.ExpiresAt;
    }

    /// <summary>The grant id.</summary>
    public string Id { get; }

    /// <summary><c>usage</c> or <c>promotional</c>.</summary>
    public string Kind { get; }

    /// <summary><c>purchase</c>, <c>balanceMaintenance</c> or <c>promotion</c>.</summary>
    public string Source { get; }

    /// <summary>The account the credits are associated with.</summary>
    public string HolderAccountId { get; }

    /// <summary>The amount granted.</summary>
    public decimal Amount { get; }

    /// <summary>The amount not yet used.</summary>
    public decimal Remaining { get; }

    /// <summary>When the grant was issued.</summary>
    public Instant IssuedAt { get; }

    /// <summary>When the Confirmation Notice was sent, or null.</summary>
    public Instant? ConfirmedAt { get; }

    /// <summary>The expiry indicated at issue (the case's <c>expiresAt</c>), or null.</summary>
    public Instant? ExpiresAt { get; }

    /// <summary>The expiry computed by the expiry rules: the earliest instant any matching expiry rule gave.</summary>
    /// <exception cref="InvalidOperationException">Thrown when read by an expiry rule, before it is known.</exception>
    public Instant Expiry => _expiry ?? throw new InvalidOperationException($"The expiry of grant '{Id}' is not known until the expiry rules have run.");

    /// <summary>The <c>status</c> of the expiry rule that set <see cref="Expiry"/> (for example <c>expired</c>).</summary>
    public string ExpiryStatus { get; private set; } = "";

    /// <summary>Whether no exclusion rule excluded the grant.</summary>
    public bool IsAvailable => _statuses is null;

    /// <summary>Whether an exclusion rule that ran so far gave the grant this status (for example <c>forfeited</c>).</summary>
    public bool Is(string status) => _statuses?.Contains(status) ?? false;

    internal string ExpiryRule { get; private set; } = "";

    internal string ExpiryClause { get; private set; } = "";

    internal bool HasExpiry => _expiry is not null;

    internal IReadOnlyList<(string Rule, string Clause, string Message)> Exclusions => _exclusions ?? (IReadOnlyList<(string, string, string)>)[];

    internal void SetExpiry(Instant expiry, string rule, string clause, string status)
    {
        _expiry = expiry;
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
