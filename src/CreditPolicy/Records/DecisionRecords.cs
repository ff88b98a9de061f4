using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;

namespace CreditPolicy.Records;

/// <summary>Stamps decisions with their <see cref="DecisionRecord"/>.</summary>
internal static class DecisionRecords
{
    /// <summary>The informational version of this library (for example <c>0.1.0+67a939d…</c>), as decisions cite it.</summary>
    public static string LibraryVersion { get; } =
        typeof(DecisionRecords).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(DecisionRecords).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The decision with its record: the id derived from library version, rule-set digest and case digest.</summary>
    public static Decision Stamp(Decision decision, CreditCase @case)
    {
        var caseDigest = CanonicalCase.Digest(@case);
        return decision with { Record = new DecisionRecord(Id(LibraryVersion, decision.Rules.Digest, caseDigest), caseDigest, LibraryVersion) };
    }

    /// <summary><c>dec_</c> and the first 32 hex digits of sha256 over the three inputs, each line-terminated.</summary>
    internal static string Id(string libraryVersion, string rulesDigest, string caseDigest)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"creditpolicy-decision\n{libraryVersion}\n{rulesDigest}\n{caseDigest}\n"));
        return "dec_" + Convert.ToHexStringLower(hash)[..32];
    }
}
