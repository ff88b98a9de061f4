using NodaTime;

namespace CreditPolicy.Model;

/// <summary>One question put to the policy: an account snapshot, its grants and a request, at an instant.</summary>
/// <remarks>
/// <see cref="AsOf"/> is the only "now" a decision knows. Two evaluations of the same case under the
/// same rule set give the same decision, byte for byte.
/// </remarks>
/// <param name="AsOf">The instant at which the request is decided.</param>
/// <param name="Account">The account the grants are associated with.</param>
/// <param name="Grants">Every grant of credits in the snapshot.</param>
/// <param name="Request">What is being asked.</param>
public sealed record CreditCase(Instant AsOf, Account Account, IReadOnlyList<Grant> Grants, CreditRequest Request);

/// <summary>The account a case is about.</summary>
/// <param name="Id">The account id.</param>
/// <param name="Status">Either <c>open</c> or <c>closed</c> (see <see cref="AccountStatuses"/>).</param>
/// <param name="ClosedAt">When the account was closed; required when <see cref="Status"/> is <c>closed</c>.</param>
/// <param name="TimeZone">IANA zone id in which calendar arithmetic happens, for example <c>America/New_York</c>.</param>
/// <param name="BalanceMaintenance">The automatic reload settings, when the account has any.</param>
/// <param name="TermsVersion">
/// The version of the terms the account is pinned to, for example <c>2025-01-01</c>; null to use the version in
/// force at the case's <c>asOf</c>. A pinned version applies whatever the <c>asOf</c>; one the rules do not hold
/// makes the decision indeterminate.
/// </param>
public sealed record Account(
    string Id,
    string Status,
    Instant? ClosedAt,
    string TimeZone,
    BalanceMaintenance? BalanceMaintenance,
    string? TermsVersion = null);

/// <summary>Balance Maintenance settings of an account: reload a set amount when the balance reaches a set level.</summary>
/// <param name="Enabled">Whether the customer activated the service.</param>
/// <param name="Threshold">The balance at or below which a reload is due.</param>
/// <param name="ReloadAmount">The amount added by one reload.</param>
/// <param name="PaymentMethodOnFile">Whether a payment method is designated on the account.</param>
/// <param name="OptedOutAt">When the customer opted out, if they did.</param>
/// <param name="PendingReloadAmount">Reloads already charged but not yet added as grants.</param>
public sealed record BalanceMaintenance(
    bool Enabled,
    decimal Threshold,
    decimal ReloadAmount,
    bool PaymentMethodOnFile,
    Instant? OptedOutAt,
    decimal PendingReloadAmount);

/// <summary>One grant of credits: an amount of a kind, issued at an instant, of which some remains.</summary>
/// <param name="Id">Unique within the case.</param>
/// <param name="Kind"><c>usage</c> or <c>promotional</c> (see <see cref="GrantKinds"/>).</param>
/// <param name="HolderAccountId">The account the credits are associated with.</param>
/// <param name="Amount">The amount granted.</param>
/// <param name="Remaining">The amount not yet used; never above <see cref="Amount"/>.</param>
/// <param name="IssuedAt">When the credits were issued.</param>
/// <param name="ConfirmedAt">When the Confirmation Notice was sent, for purchased credits.</param>
/// <param name="ExpiresAt">The expiry indicated at issue, if one was.</param>
/// <param name="Source"><c>purchase</c>, <c>balanceMaintenance</c> or <c>promotion</c> (see <see cref="GrantSources"/>).</param>
public sealed record Grant(
    string Id,
    string Kind,
    string HolderAccountId,
    decimal Amount,
    decimal Remaining,
    Instant IssuedAt,
    Instant? ConfirmedAt,
    Instant? ExpiresAt,
    string Source);

/// <summary>What a case asks; which fields are required depends on <see cref="Type"/>.</summary>
/// <param name="Type">One of <see cref="RequestTypes.All"/>.</param>
/// <param name="Amount">The amount to use, transfer or sell.</param>
/// <param name="RequestedBy">The account asking to use credits.</param>
/// <param name="GrantId">The grant a refund, cash-out, transfer, sale or restore is about.</param>
/// <param name="ToAccountId">The receiving account of a transfer or sale.</param>
/// <param name="Until">For <c>expirations</c>: list only expiries at or before this instant.</param>
public sealed record CreditRequest(
    string Type,
    decimal? Amount = null,
    string? RequestedBy = null,
    string? GrantId = null,
    string? ToAccountId = null,
    Instant? Until = null);
