namespace CreditPolicy.Model;

/// <summary>The request types of the case contract.</summary>
public static class RequestTypes
{
    /// <summary>Spend credits.</summary>
    public const string Use = "use";
    /// <summary>Ask for money back for a grant.</summary>
    public const string Refund = "refund";
    /// <summary>Exchange a grant for cash.</summary>
    public const string CashOut = "cashOut";
    /// <summary>Move credits to another account.</summary>
    public const string Transfer = "transfer";
    /// <summary>Sell credits to another account.</summary>
    public const string Sell = "sell";
    /// <summary>Close the account.</summary>
    public const string CloseAccount = "closeAccount";
    /// <summary>Bring a lost grant back.</summary>
    public const string Restore = "restore";
    /// <summary>List when each grant expires.</summary>
    public const string Expirations = "expirations";
    /// <summary>Ask whether an automatic reload is due.</summary>
    public const string Reload = "reload";
    /// <summary>Report the available balance.</summary>
    public const string Balance = "balance";

    /// <summary>Every request type, in contract order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Use, Refund, CashOut, Transfer, Sell, CloseAccount, Restore, Expirations, Reload, Balance];

    /// <summary>Request types that name a grant with <c>grantId</c>.</summary>
    public static IReadOnlyList<string> NamingAGrant { get; } = [Refund, CashOut, Transfer, Sell, Restore];
}

/// <summary>The account statuses of the case contract.</summary>
public static class AccountStatuses
{
    /// <summary>The account is open.</summary>
    public const string Open = "open";
    /// <summary>The account was closed at <see cref="Account.ClosedAt"/>.</summary>
    public const string Closed = "closed";
    /// <summary>Every status.</summary>
    public static IReadOnlyList<string> All { get; } = [Open, Closed];
}

/// <summary>The grant kinds of the case contract.</summary>
public static class GrantKinds
{
    /// <summary>Prepaid Usage Credits.</summary>
    public const string Usage = "usage";
    /// <summary>Free Promotional Credits.</summary>
    public const string Promotional = "promotional";
    /// <summary>Every kind.</summary>
    public static IReadOnlyList<string> All { get; } = [Usage, Promotional];
}

/// <summary>Where a grant came from, per the case contract.</summary>
public static class GrantSources
{
    /// <summary>Bought by the customer; the default for usage grants.</summary>
    public const string Purchase = "purchase";
    /// <summary>Added by the Balance Maintenance Service.</summary>
    public const string BalanceMaintenance = "balanceMaintenance";
    /// <summary>Given in a promotion; the default for promotional grants.</summary>
    public const string Promotion = "promotion";
    /// <summary>Every source.</summary>
    public static IReadOnlyList<string> All { get; } = [Purchase, BalanceMaintenance, Promotion];
}
