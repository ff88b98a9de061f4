using CreditPolicy.Model;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Tests;

/// <summary>Builds cases in C# for evaluator tests: an open account <c>acct_1</c> in <c>Etc/UTC</c>, decided at 2026-11-25T10:00:00Z, unless told otherwise.</summary>
internal sealed class CaseBuilder
{
    public const string AccountId = "acct_1";

    private readonly List<Grant> _grants = [];
    private Instant _asOf = At("2026-11-25T10:00:00Z");
    private string _status = AccountStatuses.Open;
    private Instant? _closedAt;
    private string _zone = "Etc/UTC";
    private BalanceMaintenance? _maintenance;

    /// <summary>Parses an ISO-8601 instant such as <c>2026-11-25T10:00:00Z</c>.</summary>
    public static Instant At(string iso) => InstantPattern.ExtendedIso.Parse(iso).GetValueOrThrow();

    public CaseBuilder AsOf(Instant asOf)
    {
        _asOf = asOf;
        return this;
    }

    public CaseBuilder AsOf(string iso) => AsOf(At(iso));

    public CaseBuilder InZone(string zone)
    {
        _zone = zone;
        return this;
    }

    public CaseBuilder ClosedAt(string iso)
    {
        _status = AccountStatuses.Closed;
        _closedAt = At(iso);
        return this;
    }

    public CaseBuilder WithMaintenance(
        bool enabled = true, decimal threshold = 10m, decimal reloadAmount = 50m, bool paymentMethodOnFile = true,
        string? optedOutAt = null, decimal pendingReloadAmount = 0m)
    {
        _maintenance = new BalanceMaintenance(enabled, threshold, reloadAmount, paymentMethodOnFile,
            optedOutAt is null ? null : At(optedOutAt), pendingReloadAmount);
        return this;
    }

    /// <summary>A purchased usage grant, issued when it was confirmed unless <paramref name="issuedAt"/> says otherwise.</summary>
    public CaseBuilder Usage(string id, decimal remaining, string confirmedAt, decimal? amount = null, string? issuedAt = null, string holder = AccountId) =>
        With(new Grant(id, GrantKinds.Usage, holder, amount ?? remaining, remaining, At(issuedAt ?? confirmedAt), At(confirmedAt), null, GrantSources.Purchase));

    /// <summary>A purchased usage grant with no Confirmation Notice yet.</summary>
    public CaseBuilder UnconfirmedPurchase(string id, decimal remaining, string issuedAt) =>
        With(new Grant(id, GrantKinds.Usage, AccountId, remaining, remaining, At(issuedAt), null, null, GrantSources.Purchase));

    /// <summary>A usage grant added by the Balance Maintenance Service (no Confirmation Notice).</summary>
    public CaseBuilder Reloaded(string id, decimal remaining, string issuedAt) =>
        With(new Grant(id, GrantKinds.Usage, AccountId, remaining, remaining, At(issuedAt), null, null, GrantSources.BalanceMaintenance));

    public CaseBuilder Promotional(string id, decimal remaining, string issuedAt, string? expiresAt = null, string holder = AccountId) =>
        With(new Grant(id, GrantKinds.Promotional, holder, remaining, remaining, At(issuedAt), null,
            expiresAt is null ? null : At(expiresAt), GrantSources.Promotion));

    public CaseBuilder With(Grant grant)
    {
        _grants.Add(grant);
        return this;
    }

    public CreditCase Request(CreditRequest request) =>
        new(_asOf, new Account(AccountId, _status, _closedAt, _zone, _maintenance), _grants.ToArray(), request);

    public CreditCase Use(decimal amount, string requestedBy = AccountId) =>
        Request(new CreditRequest(RequestTypes.Use, Amount: amount, RequestedBy: requestedBy));

    public CreditCase Naming(string type, string grantId) => Request(new CreditRequest(type, GrantId: grantId));

    public CreditCase Of(string type) => Request(new CreditRequest(type));
}
