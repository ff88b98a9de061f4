using CreditPolicy.Model;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Oracle;

/// <summary>Makes a failing case smaller while it keeps failing: drops grants and optional fields, one at a time, keeping only candidates the vocabulary accepts.</summary>
internal static class CaseShrinker
{
    public static JObject Shrink(JObject failing, Func<CreditCase, bool> stillFails)
    {
        var current = failing;
        for (var round = 0; round < 200; round++)
        {
            var smaller = Candidates(current).FirstOrDefault(c => Read(c) is { } read && Fails(read));
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

    private static CreditCase? Read(JObject json) => BundledRules.Catalogue.ReadCase(TestJson.Write(json)) is { IsValid: true } read ? read.Case : null;

    private static IEnumerable<JObject> Candidates(JObject c)
    {
        var grants = (JArray)c["grants"]!;
        for (var i = 0; i < grants.Count; i++)
        {
            var index = i;
            yield return Edit(c, x => ((JArray)x["grants"]!)[index].Remove());
        }

        var account = (JObject)c["account"]!;
        if (account["balanceMaintenance"] is JObject m)
        {
            yield return Edit(c, x => ((JObject)x["account"]!).Remove("balanceMaintenance"));
            foreach (var optional in new[] { "optedOutAt", "pendingReloadAmount", "paymentMethodOnFile" })
            {
                if (m[optional] is not null) yield return Edit(c, x => ((JObject)x["account"]!["balanceMaintenance"]!).Remove(optional));
            }
        }

        if (account["timeZone"] is not null) yield return Edit(c, x => ((JObject)x["account"]!).Remove("timeZone"));
        if (c["request"]!["until"] is not null) yield return Edit(c, x => ((JObject)x["request"]!).Remove("until"));
        for (var i = 0; i < grants.Count; i++)
        {
            var index = i;
            var g = (JObject)grants[i];
            foreach (var optional in new[] { "confirmedAt", "expiresAt", "source" })
            {
                if (g[optional] is not null) yield return Edit(c, x => ((JObject)x["grants"]![index]!).Remove(optional));
            }

            if ((decimal)g["remaining"]! != (decimal)g["amount"]!) yield return Edit(c, x => x["grants"]![index]!["amount"] = g["remaining"]!.DeepClone());
        }
    }

    private static JObject Edit(JObject c, Action<JObject> edit)
    {
        var copy = (JObject)c.DeepClone();
        edit(copy);
        return copy;
    }
}
