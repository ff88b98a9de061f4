using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;

namespace CreditPolicy.Records;

/// <summary>Stamps decisions with their <see cref="DecisionRecord"/>.</summary>
/// <remarks>
/// The case digest is sha256 over the canonical case; the id continues the same hash over the rule-set digest
/// and the library version, so the record costs one pass of sha256 over the case.
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

    /// <summary>The decision with its record: the case digest, and the id derived from case, rules and library version.</summary>
    public static Decision Stamp(Decision decision, CreditCase @case) => decision with { Record = Compute(@case, decision.Rules) };

    /// <summary>The record of a decision on a case under the rules with the given identity.</summary>
    public static DecisionRecord Compute(CreditCase @case, RuleSetIdentity rules)
    {
        var (caseDigest, id) = Digests(CanonicalCase.Utf8(@case), rules, LibraryVersion);
        return new DecisionRecord(id, caseDigest, LibraryVersion);
    }

    /// <summary>Stamps the decision and hands it to the sink, if any, before anyone can act on it.</summary>
    /// <exception cref="IOException">Thrown when the sink cannot record the decision: an unrecorded decision is not returned.</exception>
    /// <remarks>
    /// Without a sink the record is computed when first read (<see cref="Decision.Record"/>), so a caller that only
    /// looks at the outcome does not pay for the canonical case and its two sha256 digests, four fifths of a small
    /// decision; with a sink it is computed now, because the sink writes it before the decision is returned.
    /// </remarks>
    public static Decision StampAndWrite(CreditCase @case, Decision decision, IDecisionSink? sink)
    {
        if (sink is null) return decision.RecordOnDemand(d => Compute(@case, d.Rules));
        var recorded = Stamp(decision, @case);
        sink.Write(@case, recorded);
        return recorded;
    }

    /// <summary>The id of the decision on a case under some rules by a library version.</summary>
    internal static string Id(CreditCase @case, RuleSetIdentity rules, string libraryVersion) =>
        Digests(CanonicalCase.Utf8(@case), rules, libraryVersion).Id;

    /// <summary>
    /// <c>sha256:</c> + hex of sha256(case), and <c>dec_</c> + the first 32 hex digits of
    /// sha256(case, "\n", rules digest, "\n", tz database version, "\n", library version).
    /// </summary>
    private static (string CaseDigest, string Id) Digests(ReadOnlySpan<byte> canonicalCase, RuleSetIdentity rules, string libraryVersion)
    {
        // One pass over the case: the case digest is the running hash's value after the case, the id continues it with
        // the suffix. (Cloning the running hash instead allocates a finalizable handle per decision; hashing twice costs
        // a second pass over the case.)
        Span<byte> caseHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> idHash = stackalloc byte[SHA256.HashSizeInBytes];
        var hash = t_hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(canonicalCase);
        hash.GetCurrentHash(caseHash);
        hash.AppendData(Suffix(rules, libraryVersion));
        hash.GetHashAndReset(idHash);
        return (Hex("sha256:", caseHash), Hex(IdPrefix, idHash[..16]));
    }

    [ThreadStatic]
    private static (RuleSetIdentity Rules, string Version, byte[] Bytes)? t_suffix;

    /// <summary>"\n" + rules digest + "\n" + tz database version + "\n" + library version, as UTF-8; kept per thread for the rules last used.</summary>
    private static byte[] Suffix(RuleSetIdentity rules, string libraryVersion)
    {
        if (t_suffix is { } cached && ReferenceEquals(cached.Rules, rules) && ReferenceEquals(cached.Version, libraryVersion)) return cached.Bytes;
        var bytes = Encoding.UTF8.GetBytes($"\n{rules.Digest}\n{rules.Tzdb}\n{libraryVersion}");
        t_suffix = (rules, libraryVersion, bytes);
        return bytes;
    }

    private static string Hex(string prefix, ReadOnlySpan<byte> bytes)
    {
        Span<char> text = stackalloc char[prefix.Length + bytes.Length * 2];
        prefix.CopyTo(text);
        Convert.TryToHexStringLower(bytes, text[prefix.Length..], out _);
        return new string(text);
    }
}
