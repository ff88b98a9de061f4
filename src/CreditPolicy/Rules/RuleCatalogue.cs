using System.Security.Cryptography;
using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using NodaTime;
using NodaTime.Text;
using static CreditPolicy.Rules.RuleConventions;

namespace CreditPolicy.Rules;

/// <summary>Every version of the terms in a rule directory, each a fully compiled <see cref="RuleSet"/> in force from its <c>effectiveFrom</c>. Immutable and thread-safe.</summary>
/// <remarks>
/// <para>A rule directory holds one version (<c>terms.json</c> and the rule files at its top, as in 0.1) or several:
/// a <c>versions/</c> folder with one complete rule directory per version, named by its <c>termsVersion</c>,
/// each <c>terms.json</c> stating the instant the version takes effect, plus an optional <c>tests/</c> folder of
/// scenarios that run across versions.</para>
/// <para>A case is decided by the version its account pins (<c>account.termsVersion</c>), whatever its <c>asOf</c>;
/// otherwise by the version in force at <c>asOf</c>: the one with the latest <c>effectiveFrom</c> at or before it.
/// With versions effective from 2025-01-01T00:00Z and 2026-11-24T00:00Z, a case at 2026-11-23T23:59Z is decided by
/// the first and one at 2026-11-24T00:00Z by the second; a case before 2025-01-01 has no terms in force and is
/// indeterminate.</para>
/// </remarks>
public sealed class RuleCatalogue : IContractResolver
{
    private RuleCatalogue(string directory, IReadOnlyList<RuleSet> versions, RuleSetIdentity identity, bool isVersioned, bool honoursEffectiveDates, TimeZoneDatabase timeZones, RuleDirectorySnapshot? source = null)
    {
        Directory = directory;
        Source = source;
        Versions = versions;
        Identity = identity;
        IsVersioned = isVersioned;
        HonoursEffectiveDates = honoursEffectiveDates;
        TimeZones = timeZones;

        // When every version declares the same vocabulary, a case is read without first looking for its asOf.
        var first = versions[0].Contract;
        _single = versions.Count == 1 ? first : null;
    }

    private readonly CaseContract? _single;

    /// <summary>The time-zone database every version computes with.</summary>
    public TimeZoneDatabase TimeZones { get; }

    /// <summary>The rule directory the catalogue was loaded from.</summary>
    public string Directory { get; }

    /// <summary>Every version, earliest <see cref="RuleSet.EffectiveFrom"/> first.</summary>
    public IReadOnlyList<RuleSet> Versions { get; }

    /// <summary>What the catalogue as a whole is: for one version, that version's identity; for several, no terms version and a digest over every version's digest.</summary>
    public RuleSetIdentity Identity { get; }

    /// <summary>Whether the directory holds its versions under <c>versions/</c> (and may hold scenarios across versions in <c>tests/</c>).</summary>
    public bool IsVersioned { get; }

    internal bool HonoursEffectiveDates { get; }

    /// <summary>The snapshot the catalogue was loaded from, so its scenarios run from the same bytes; null when it was built from a loaded <see cref="RuleSet"/>.</summary>
    internal RuleDirectorySnapshot? Source { get; }

    /// <summary>Loads every version of the terms in a directory, or fails listing every problem in every version.</summary>
    /// <remarks>One bad version stops the whole catalogue loading: each problem names the version's folder, the file, workflow and rule.</remarks>
    /// <exception cref="RuleSetLoadException">Thrown when any version does not load, a version's folder differs from its <c>termsVersion</c>,
    /// a version lacks <c>effectiveFrom</c>, or two versions take effect at the same instant.</exception>
    public static RuleCatalogue Load(string directory, TimeZoneDatabase? timeZones = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        timeZones ??= TimeZoneDatabase.Bundled;
        return Load(directory, RuleDirectorySnapshot.Read(directory), timeZones);
    }

    /// <summary>Loads every version from one snapshot of the directory: what is compiled and digested is exactly what was read.</summary>
    /// <exception cref="RuleSetLoadException">Thrown as <see cref="Load(string, TimeZoneDatabase?)"/> does, and when the snapshot refused an entry (see <see cref="RuleDirectorySnapshot"/>).</exception>
    /// <param name="directory">The directory, as named.</param>
    /// <param name="tree">What was read from it.</param>
    /// <param name="timeZones">The tz database expiries are computed with.</param>
    /// <param name="rulesEngineValidation">Whether each workflow also goes through RulesEngine's own validator (see <see cref="RuleSetLoader.Load(string, RuleDirectorySnapshot, TimeZoneDatabase, bool)"/>).</param>
    internal static RuleCatalogue Load(string directory, RuleDirectorySnapshot tree, TimeZoneDatabase timeZones, bool rulesEngineValidation = true)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(tree);
        var full = tree.Directory;
        var versionsDirectory = Path.Combine(full, VersionsFolder);
        if (!tree.HasFolder(VersionsFolder))
        {
            var single = RuleSetLoader.Load(directory, tree, timeZones, rulesEngineValidation);
            return new RuleCatalogue(single.Directory, [single], single.Identity, isVersioned: false, honoursEffectiveDates: true, timeZones, tree);
        }

        var problems = new List<RuleProblem>();
        foreach (var stray in tree.FilesIn(""))
        {
            problems.Add(new RuleProblem(stray, null, null, $"the directory holds its terms under {VersionsFolder}/; move this file into the version it belongs to ({VersionsFolder}/<termsVersion>/)"));
        }

        foreach (var stray in tree.FilesIn(VersionsFolder))
        {
            problems.Add(new RuleProblem($"{VersionsFolder}/{stray}", null, null, $"{VersionsFolder}/ holds one folder per version of the terms, named by its termsVersion, and no files"));
        }

        var folders = tree.FoldersIn(VersionsFolder).ToArray();
        if (folders.Length == 0)
        {
            problems.Add(new RuleProblem(VersionsFolder, null, null, "no versions: add a folder per version of the terms, for example versions/2026-11-24/ holding terms.json and the rule files"));
        }

        // Refusals inside a version's folder come back from loading that version; the rest (scenarios across versions,
        // a version's folder that is itself a link leaving the directory) are reported here.
        problems.AddRange(tree.Problems.Where(p => !folders.Any(f => p.File.StartsWith($"{VersionsFolder}/{f}/", StringComparison.Ordinal))));

        var versions = new List<RuleSet>();
        foreach (var name in folders)
        {
            var prefix = $"{VersionsFolder}/{name}";
            try
            {
                var version = RuleSetLoader.Load(Path.Combine(versionsDirectory, name), tree.Under($"{VersionsFolder}/{name}"), timeZones, rulesEngineValidation);
                if (version.Identity.TermsVersion != name)
                {
                    problems.Add(new RuleProblem($"{prefix}/{TermsFile}", null, null,
                        $"termsVersion \"{version.Identity.TermsVersion}\" differs from its folder's name '{name}'; name the folder after the version"));
                }

                if (version.EffectiveFrom is null)
                {
                    problems.Add(new RuleProblem($"{prefix}/{TermsFile}", null, null,
                        "effectiveFrom: required when the directory holds several versions, the instant the version takes effect such as \"2026-11-24T00:00:00Z\""));
                }

                versions.Add(version);
            }
            catch (RuleSetLoadException ex)
            {
                problems.AddRange(ex.Problems.Select(p => p with { File = Path.IsPathRooted(p.File) ? prefix : $"{prefix}/{p.File}" }));
            }
        }

        foreach (var same in versions.Where(v => v.EffectiveFrom is not null).GroupBy(v => v.EffectiveFrom!.Value).Where(g => g.Count() > 1))
        {
            problems.Add(new RuleProblem(VersionsFolder, null, null,
                $"versions {string.Join(" and ", same.Select(v => v.Identity.TermsVersion))} both take effect at {Format(same.Key)}; which one is in force would be ambiguous"));
        }

        if (problems.Count > 0) throw new RuleSetLoadException(directory, problems);
        var ordered = versions.OrderBy(v => v.EffectiveFrom).ToArray();
        var identity = new RuleSetIdentity(null, Digest(ordered), timeZones.Version);
        return new RuleCatalogue(full, ordered, identity, isVersioned: true, honoursEffectiveDates: true, timeZones, tree);
    }

    /// <summary>A catalogue of one version: the version decides every case from its <see cref="RuleSet.EffectiveFrom"/> on (every case when it has none).</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="ruleSet"/> is null.</exception>
    public static RuleCatalogue Of(RuleSet ruleSet)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        return new RuleCatalogue(ruleSet.Directory, [ruleSet], ruleSet.Identity, isVersioned: false, honoursEffectiveDates: true, ruleSet.Contract.TimeZones);
    }

    /// <summary>A catalogue in which one version decides every case whatever its <c>asOf</c>: how a version's own scenarios run.</summary>
    internal static RuleCatalogue AlwaysInForce(RuleSet ruleSet) =>
        new(ruleSet.Directory, [ruleSet], ruleSet.Identity, isVersioned: false, honoursEffectiveDates: false, ruleSet.Contract.TimeZones);

    /// <summary>The version with this <c>termsVersion</c>, or null when the catalogue holds none.</summary>
    public RuleSet? Find(string termsVersion)
    {
        foreach (var version in Versions)
        {
            if (string.Equals(version.Identity.TermsVersion, termsVersion, StringComparison.Ordinal)) return version;
        }

        return null;
    }

    /// <summary>The version in force at an instant: the latest whose <c>effectiveFrom</c> is at or before it; null when none is yet.</summary>
    public RuleSet? InForceAt(Instant asOf)
    {
        if (!HonoursEffectiveDates) return Versions[^1];
        RuleSet? inForce = null;
        foreach (var version in Versions)
        {
            if (version.EffectiveFrom is { } from && from > asOf) break;
            inForce = version;
        }

        return inForce;
    }

    /// <summary>The version that decides a case: the one its account pins, else the one in force at its <c>asOf</c>; null when there is none.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    public RuleSet? VersionFor(CreditCase @case)
    {
        ArgumentNullException.ThrowIfNull(@case);
        return VersionFor(@case.AsOf, @case.Account.TermsVersion);
    }

    internal RuleSet? VersionFor(Instant asOf, string? pinned) => pinned is not null ? Find(pinned) : InForceAt(asOf);

    /// <summary>Reads a case from UTF-8 JSON against the vocabulary of the version that decides it; strict RFC 8259 JSON in strict UTF-8.</summary>
    /// <remarks>Never throws for bad input: every problem is in the result, with its JSON path, line and column.</remarks>
    public CaseReadResult ReadCase(ReadOnlySpan<byte> utf8Json) => CaseReader.Read(utf8Json, this);

    /// <summary>Reads a case from JSON text against the vocabulary of the version that decides it.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="json"/> is null.</exception>
    public CaseReadResult ReadCase(string json) => CaseReader.Read(json, this);

    /// <summary>Reads a case from a stream of UTF-8 JSON, reading at most <see cref="CaseLimits.MaxBytes"/> bytes of it.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="utf8Json"/> is null.</exception>
    /// <exception cref="IOException">Thrown when the stream cannot be read.</exception>
    public CaseReadResult ReadCase(Stream utf8Json) => CaseReader.Read(BoundedInput.Read(utf8Json, CaseLimits.MaxBytes), this);

    CaseContract? IContractResolver.Single => _single;

    CaseContract IContractResolver.Resolve(Instant? asOf, string? pinnedVersion)
    {
        var version = asOf is { } at ? VersionFor(at, pinnedVersion) : pinnedVersion is not null ? Find(pinnedVersion) : null;

        // No version decides (before the earliest, or pinned to one not held): read with the earliest or the latest, the decision is indeterminate anyway.
        version ??= asOf is { } a && Versions[0].EffectiveFrom is { } first && a < first ? Versions[0] : Versions[^1];
        return version.Contract;
    }

    /// <summary>sha256 over each version's folder name and digest, in order of taking effect.</summary>
    private static string Digest(IReadOnlyList<RuleSet> versions)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var v in versions)
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{VersionsFolder}/{v.Identity.TermsVersion}"));
            sha.AppendData([0]);
            sha.AppendData(Encoding.UTF8.GetBytes(v.Identity.Digest));
            sha.AppendData([0]);
        }

        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    internal static string Format(Instant instant) => InstantPattern.ExtendedIso.Format(instant);
}
