using NodaTime;

namespace CreditPolicy.Cli.Generation;

// The shapes the generator builds cases in before writing them as JSON. Temporary: the generator is being rewritten to
// generate from a version's declared vocabulary instead of these fixed shapes.
internal sealed record CreditCase(Instant AsOf, Account Account, IReadOnlyList<Grant> Grants, CreditRequest Request);

internal sealed record Account(string Id, string Status, Instant? ClosedAt, string TimeZone, BalanceMaintenance? BalanceMaintenance, string? TermsVersion = null);

internal sealed record BalanceMaintenance(bool Enabled, decimal Threshold, decimal ReloadAmount, bool PaymentMethodOnFile, Instant? OptedOutAt, decimal PendingReloadAmount);

internal sealed record Grant(string Id, string Kind, string HolderAccountId, decimal Amount, decimal Remaining, Instant IssuedAt, Instant? ConfirmedAt, Instant? ExpiresAt, string Source);

internal sealed record CreditRequest(string Type, decimal? Amount = null, string? RequestedBy = null, string? GrantId = null, string? ToAccountId = null, Instant? Until = null);

internal static class RequestTypes
{
    public const string Use = "use";
    public const string Refund = "refund";
    public const string CashOut = "cashOut";
    public const string Transfer = "transfer";
    public const string Sell = "sell";
    public const string CloseAccount = "closeAccount";
    public const string Restore = "restore";
    public const string Expirations = "expirations";
    public const string Reload = "reload";
    public const string Balance = "balance";
    public static IReadOnlyList<string> NamingAGrant { get; } = [Refund, CashOut, Transfer, Sell, Restore];
}

internal static class AccountStatuses
{
    public const string Open = "open";
    public const string Closed = "closed";
}

internal static class GrantKinds
{
    public const string Usage = "usage";
    public const string Promotional = "promotional";
}

internal static class GrantSources
{
    public const string Purchase = "purchase";
    public const string BalanceMaintenance = "balanceMaintenance";
    public const string Promotion = "promotion";
}
