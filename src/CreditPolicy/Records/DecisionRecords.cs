using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;

namespace CreditPolicy.Records;

/// <summary>Stamps decisions with their <see cref="DecisionRecord"/>.</summary>
/// <remarks>
/// The case digest is sha256 over the canonical case; the id continues the same hash over the rule-set digest
/// and the library version, so the record costs one pass of sha256 over the case (a few microseconds).
/// </remarks>
internal static class DecisionRecords
{
    private const string IdPrefix = "dec_";

    [ThreadStatic]
    private static IncrementalHash? t_hash;

    /// <summary>The informational version of this library (for example <c>0.1.0+67a939d…</c>), as decisions cite it.</summary>
    public static string LibraryVersion { get; } =
        typeof(DecisionRecords).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(DecisionRecords).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The decision with its record: the case digest, and the id derived from case, rule-set digest and library version.</summary>
    public static Decision Stamp(Decision decision, CreditCase @case) => decision with { Record = Compute(@case, decision.Rules.Digest) };

    /// <summary>The record of a decision on a case under the rule set with the given digest.</summary>
    public static DecisionRecord Compute(CreditCase @case, string rulesDigest)
    {
        var (caseDigest, id) = Digests(CanonicalCase.Utf8(@case), rulesDigest, LibraryVersion);
        return new DecisionRecord(id, caseDigest, LibraryVersion);
    }

    /// <summary>Stamps the decision and hands it to the sink, if any, before anyone can act on it.</summary>
    /// <exception cref="IOException">Thrown when the sink cannot record the decision: an unrecorded decision is not returned.</exception>
    /// <remarks>Without a sink the record is computed when first read (<see cref="Decision.Record"/>); with one, now.</remarks>
    public static Decision StampAndWrite(CreditCase @case, Decision decision, IDecisionSink? sink)
    {
        if (sink is null) return decision.RecordOnDemand(@case);
        var recorded = Stamp(decision, @case);
        sink.Write(@case, recorded);
        return recorded;
    }

    /// <summary>The id of the decision on a case under a rule set by a library version.</summary>
    internal static string Id(CreditCase @case, string rulesDigest, string libraryVersion) =>
        Digests(CanonicalCase.Utf8(@case), rulesDigest, libraryVersion).Id;

    /// <summary>
    /// <c>sha256:</c> + hex of sha256(case), and <c>dec_</c> + the first 32 hex digits of
    /// sha256(case, "\n", rules digest, "\n", library version).
    /// </summary>
    private static (string CaseDigest, string Id) Digests(ReadOnlySpan<byte> canonicalCase, string rulesDigest, string libraryVersion)
    {
        var hash = t_hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> caseHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> idHash = stackalloc byte[SHA256.HashSizeInBytes];
        hash.AppendData(canonicalCase);
        hash.GetCurrentHash(caseHash);
        hash.AppendData(Encoding.UTF8.GetBytes($"\n{rulesDigest}\n{libraryVersion}"));
        hash.GetHashAndReset(idHash);
        return ("sha256:" + Convert.ToHexStringLower(caseHash), IdPrefix + Convert.ToHexStringLower(idHash[..16]));
    }
}
