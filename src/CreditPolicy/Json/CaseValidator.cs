using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Json;

/// <summary>Checks that a case is complete and consistent before any rule sees it.</summary>
/// <remarks>
/// These are facts of the case contract, not of the terms: amounts are non-negative, a grant's
/// remaining is not above its amount, ids are unique, a closed account says when it closed, the
/// request carries the fields its type needs. A case that fails here is never permitted.
/// </remarks>
public static class CaseValidator
{
    /// <summary>Returns every problem of the case, each with its JSON path; empty when the case is consistent.</summary>
    public static IReadOnlyList<CaseProblem> Validate(CreditCase @case)
    {
        ArgumentNullException.ThrowIfNull(@case);
        var problems = new List<CaseProblem>();
        void Problem(string path, string message) => problems.Add(new CaseProblem(path, message));

        var account = @case.Account;
        if (account is null)
        {
            Problem("account", "required field is missing");
        }
        else
        {
            if (string.IsNullOrEmpty(account.Id)) Problem("account.id", "expected a non-empty string");
            if (!AccountStatuses.All.Contains(account.Status)) Problem("account.status", $"expected one of {string.Join(", ", AccountStatuses.All)}");
            if (account.Status == AccountStatuses.Closed && account.ClosedAt is null) Problem("account.closedAt", "required when account.status is closed");
            if (account.Status == AccountStatuses.Open && account.ClosedAt is not null) Problem("account.closedAt", "must be absent or null when account.status is open");
            if (account.ClosedAt is { } closed && closed > @case.AsOf) Problem("account.closedAt", $"must not be after asOf ({closed} > {@case.AsOf})");
            if (string.IsNullOrEmpty(account.TimeZone) || DateTimeZoneProviders.Tzdb.GetZoneOrNull(account.TimeZone) is null)
            {
                Problem("account.timeZone", $"expected an IANA time zone id such as \"America/New_York\", got \"{account.TimeZone}\"");
            }

            if (account.TermsVersion is { } pinned && pinned.Trim().Length == 0)
            {
                Problem("account.termsVersion", "expected a terms version such as \"2026-11-24\", or no field to use the version in force at asOf");
            }

            if (account.BalanceMaintenance is { } bm)
            {
                NonNegative(problems, "account.balanceMaintenance.threshold", bm.Threshold);
                if (bm.Enabled && bm.ReloadAmount <= 0m) Problem("account.balanceMaintenance.reloadAmount", $"must be greater than zero when the service is enabled, got {bm.ReloadAmount}");
                NonNegative(problems, "account.balanceMaintenance.reloadAmount", bm.ReloadAmount);
                NonNegative(problems, "account.balanceMaintenance.pendingReloadAmount", bm.PendingReloadAmount);
            }
        }

        if (@case.Grants is null) Problem("grants", "required field is missing (use [] for an account without grants)");
        var grants = @case.Grants ?? [];
        // Most cases hold a handful of grants: compare ids pairwise then, and hash only larger books.
        var ids = grants.Count > 16 ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (var i = 0; i < grants.Count; i++)
        {
            var g = grants[i];
            if (g is null) { Problem(GrantPath(i, ""), "expected a grant object, got null"); continue; }
            if (string.IsNullOrEmpty(g.Id)) Problem(GrantPath(i, ".id"), "expected a non-empty string");
            else if (ids is null ? SeenBefore(grants, i) : !ids.Add(g.Id)) Problem(GrantPath(i, ".id"), $"duplicate grant id \"{g.Id}\"; grant ids must be unique");
            if (!GrantKinds.All.Contains(g.Kind)) Problem(GrantPath(i, ".kind"), $"expected one of {string.Join(", ", GrantKinds.All)}");
            if (!GrantSources.All.Contains(g.Source)) Problem(GrantPath(i, ".source"), $"expected one of {string.Join(", ", GrantSources.All)}");
            if (string.IsNullOrEmpty(g.HolderAccountId)) Problem(GrantPath(i, ".holderAccountId"), "expected a non-empty string");
            if (g.Amount < 0m) NonNegative(problems, GrantPath(i, ".amount"), g.Amount);
            if (g.Remaining < 0m) NonNegative(problems, GrantPath(i, ".remaining"), g.Remaining);
            if (g.Remaining > g.Amount) Problem(GrantPath(i, ".remaining"), $"must not exceed amount ({g.Remaining} > {g.Amount})");
            if (g.IssuedAt > @case.AsOf) Problem(GrantPath(i, ".issuedAt"), "must not be after asOf (a snapshot cannot hold a grant not yet issued)");
            if (g.ConfirmedAt is { } confirmed && confirmed < g.IssuedAt) Problem(GrantPath(i, ".confirmedAt"), "must not be before issuedAt");
            if (g.ExpiresAt is { } expires && expires < g.IssuedAt) Problem(GrantPath(i, ".expiresAt"), "must not be before issuedAt");
        }

        var request = @case.Request;
        if (request is null)
        {
            Problem("request", "required field is missing");
            return problems;
        }

        if (!RequestTypes.All.Contains(request.Type))
        {
            Problem("request.type", $"expected one of {string.Join(", ", RequestTypes.All)}");
            return problems;
        }

        var needsAmount = request.Type is RequestTypes.Use or RequestTypes.Transfer or RequestTypes.Sell;
        var needsGrant = RequestTypes.NamingAGrant.Contains(request.Type);
        var needsTo = request.Type is RequestTypes.Transfer or RequestTypes.Sell;
        Field("request.amount", request.Amount is not null, needsAmount);
        Field("request.requestedBy", request.RequestedBy is not null, request.Type == RequestTypes.Use);
        Field("request.grantId", request.GrantId is not null, needsGrant);
        Field("request.toAccountId", request.ToAccountId is not null, needsTo);
        Field("request.until", request.Until is not null, request.Type == RequestTypes.Expirations, optional: true);
        if (request.Amount is { } amount && amount <= 0m) Problem("request.amount", $"must be greater than zero, got {amount}");
        if (needsGrant && request.GrantId is { } grantId && !(ids?.Contains(grantId) ?? grants.Any(g => g is not null && string.Equals(g.Id, grantId, StringComparison.Ordinal))))
        {
            Problem("request.grantId", $"no grant with id \"{grantId}\" in grants");
        }

        return problems;

        void Field(string path, bool present, bool expected, bool optional = false)
        {
            if (present && !expected) Problem(path, $"not a field of a '{request.Type}' request");
            else if (!present && expected && !optional) Problem(path, $"required for a '{request.Type}' request");
        }
    }

    // Paths are built only for a problem: a valid case allocates none.
    private static string GrantPath(int index, string field) => $"grants[{index}]{field}";

    private static bool SeenBefore(IReadOnlyList<Grant> grants, int i)
    {
        for (var j = 0; j < i; j++)
        {
            if (grants[j] is { } other && string.Equals(other.Id, grants[i].Id, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    private static void NonNegative(List<CaseProblem> problems, string path, decimal value)
    {
        if (value < 0m) problems.Add(new CaseProblem(path, $"must not be negative, got {value}"));
    }
}
