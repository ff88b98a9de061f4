using CreditPolicy.Json;
using CreditPolicy.Model;

namespace CreditPolicy.Tests.Oracle;

/// <summary>Makes a failing case smaller while it keeps failing: drops grants and optional fields, one at a time.</summary>
internal static class CaseShrinker
{
    public static CreditCase Shrink(CreditCase failing, Func<CreditCase, bool> stillFails)
    {
        var current = failing;
        for (var round = 0; round < 200; round++)
        {
            var smaller = Candidates(current).FirstOrDefault(c => CaseValidator.Validate(c).Count == 0 && Fails(c));
            if (smaller is null) return current;
            current = smaller;
        }

        return current;

        bool Fails(CreditCase c)
        {
            try
            {
                return stillFails(c);
            }
            catch (Exception)
            {
                return true;
            }
        }
    }

    private static IEnumerable<CreditCase> Candidates(CreditCase c)
    {
        for (var i = 0; i < c.Grants.Count; i++)
        {
            var index = i;
            yield return c with { Grants = c.Grants.Where((_, j) => j != index).ToArray() };
        }

        var a = c.Account;
        if (a.BalanceMaintenance is { } m)
        {
            yield return c with { Account = a with { BalanceMaintenance = null } };
            if (m.OptedOutAt is not null) yield return c with { Account = a with { BalanceMaintenance = m with { OptedOutAt = null } } };
            if (m.PendingReloadAmount != 0m) yield return c with { Account = a with { BalanceMaintenance = m with { PendingReloadAmount = 0m } } };
        }

        if (a.TimeZone != "Etc/UTC") yield return c with { Account = a with { TimeZone = "Etc/UTC" } };
        if (c.Request.Until is not null) yield return c with { Request = c.Request with { Until = null } };
        for (var i = 0; i < c.Grants.Count; i++)
        {
            var g = c.Grants[i];
            if (g.ConfirmedAt is not null) yield return Replace(c, i, g with { ConfirmedAt = null });
            if (g.ExpiresAt is not null) yield return Replace(c, i, g with { ExpiresAt = null });
            if (g.Remaining != g.Amount) yield return Replace(c, i, g with { Amount = g.Remaining });
        }
    }

    private static CreditCase Replace(CreditCase c, int index, Grant g) =>
        c with { Grants = c.Grants.Select((x, j) => j == index ? g : x).ToArray() };
}
