using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>One generated case: its position in the run and its JSON.</summary>
/// <param name="Seed">The seed of the run.</param>
/// <param name="Index">The case's index in the run; <c>(Seed, Index)</c> regenerates it.</param>
/// <param name="Json">The case as one line of JSON (no line break), valid against the catalogue it was generated for.</param>
internal sealed record GeneratedCase(int Seed, int Index, string Json);

/// <summary>Generates valid cases for a rule catalogue, deterministically for a seed, from each version's declared vocabulary and the periods its rules declare.</summary>
/// <remarks>
/// <para>Nothing here knows the terms: the kinds, request types, attributes, enum values, defaults, bounds and checks come
/// from each version's <c>vocabulary.json</c> (its case contract), and the calendar edges from the constant periods,
/// instants and strings its rules are written with. So any vocabulary a catalogue loads can be generated for.</para>
/// <para>A case is built by declared type (strings that often repeat the account id or another string of the case, ids
/// whose ordinal and culture orders differ, near-duplicates and non-ASCII text; enums and kinds from the declared values;
/// decimals of many scales within the declared bounds, sometimes equal to another decimal of the case or to the available
/// balance; integers, booleans, instants written in UTC or with the zone's offset, dates, sets, nested objects present
/// or absent; optional attributes absent, null, or a kind's default given explicitly). It is then written and read back
/// against the catalogue; each problem the reader reports (a declared check such as remaining within amount) regenerates
/// or drops the attribute it names, a bounded number of times, then a simpler case is tried, then another draw. A case is
/// only ever returned once it reads back valid.</para>
/// <para><c>asOf</c> falls within the versions the catalogue holds (between one version's <c>effectiveFrom</c> and the
/// next one's, or around <see cref="GeneratorOptions.Anchor"/> for terms in force at every instant), sometimes exactly
/// at a version's <c>effectiveFrom</c> or one tick before it, and often on a calendar edge the rules declare: exactly at,
/// one tick before or one tick after "an instant of a grant plus a period of the rules, in the account's zone", with
/// that instant placed so the result falls on a leap day or in a daylight-saving gap or overlap.</para>
/// <para>Case <c>i</c> of seed <c>s</c> depends only on <c>(s, i)</c> and the catalogue, so a failing case can be regenerated
/// alone, and a book is the same bytes on every machine (no culture, no clock; the tz database is the catalogue's).</para>
/// </remarks>
internal sealed class CaseGenerator
{
    /// <summary>The zones cases are set in when the tz database knows them: UTC, daylight saving both ways (and Dublin's
    /// negative one), +13/+14, :30 and :45 offsets, Samoa's skipped day, Troll's two-hour shift, Casablanca's Ramadan changes.</summary>
    public static IReadOnlyList<string> EdgeZones { get; } =
    [
        "Etc/UTC", "America/New_York", "Europe/London", "Pacific/Apia", "Pacific/Kiritimati", "Pacific/Chatham",
        "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Tongatapu", "Asia/Tokyo",
        "America/Sao_Paulo", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles", "Africa/Casablanca",
        "Australia/Adelaide", "America/Santiago", "Pacific/Auckland", "Europe/Dublin", "Pacific/Marquesas",
        "Antarctica/Troll", "Asia/Tehran",
    ];

    /// <summary>How many independent draws a case gets before the generator gives up on the vocabulary.</summary>
    private const int MaxAttempts = 12;

    private static readonly Duration ThreeYears = Duration.FromDays(3 * 365 + 1);

    private readonly Dictionary<RuleSet, VersionProfile> _profiles;

    /// <summary>Creates a generator for the versions of <paramref name="catalogue"/>.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="catalogue"/> is null.</exception>
    /// <exception cref="ArgumentException">Thrown when <paramref name="options"/> are out of range; the message lists every problem.</exception>
    public CaseGenerator(RuleCatalogue catalogue, int seed, GeneratorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        options ??= GeneratorOptions.Default;
        var problems = options.Problems();
        if (problems.Count > 0) throw new ArgumentException("Invalid generator options: " + string.Join("; ", problems), nameof(options));
        Catalogue = catalogue;
        Seed = seed;
        Options = options;
        _profiles = catalogue.Versions.ToDictionary(v => v, VersionProfile.Of);
        var zones = EdgeZones.Where(id => catalogue.TimeZones.Find(id) is not null).ToArray();
        Zones = zones.Length > 0 ? zones : [catalogue.TimeZones.Provider.Ids[0]];
        Windows = MakeWindows(catalogue, options.Anchor);
    }

    /// <summary>The rules cases are generated for.</summary>
    public RuleCatalogue Catalogue { get; }

    /// <summary>The seed of this generator.</summary>
    public int Seed { get; }

    public GeneratorOptions Options { get; }

    /// <summary>The zones of <see cref="EdgeZones"/> the catalogue's tz database knows.</summary>
    public IReadOnlyList<string> Zones { get; }

    /// <summary>The spans <c>asOf</c> is drawn from: one per version, from its <c>effectiveFrom</c> to the next one's.</summary>
    internal IReadOnlyList<AsOfWindow> Windows { get; }

    /// <summary>The first <paramref name="count"/> cases of this seed, in index order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="count"/> is negative.</exception>
    public IEnumerable<GeneratedCase> GenerateMany(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Many(count);
    }

    /// <summary>Case number <paramref name="index"/> of this seed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="index"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Thrown when no valid case could be drawn: the vocabulary's checks cannot be met by generated values.</exception>
    public GeneratedCase Generate(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        string? why = null;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var composer = new DraftComposer(this, new Rng(CaseSeed(Seed, index, attempt)));
            if (composer.TryCompose(out var json, out why)) return new GeneratedCase(Seed, index, json);
        }

        throw new InvalidOperationException(
            $"could not generate a valid case {index} of seed {Seed} in {MaxAttempts} draws; the vocabulary's checks may not be satisfiable by generated values. Last problems: {why}");
    }

    internal VersionProfile Profile(RuleSet version) => _profiles[version];

    /// <summary>The random stream of one case: SplitMix64 over (seed, index, attempt), so neighbouring indexes get unrelated streams.</summary>
    internal static ulong CaseSeed(int seed, int index, int attempt = 0)
    {
        var state = ((ulong)(uint)seed << 32 | (uint)index) + (ulong)attempt * 0xD1B54A32D192ED03UL;
        return Rng.SplitMix64(ref state);
    }

    private IEnumerable<GeneratedCase> Many(int count)
    {
        for (var i = 0; i < count; i++) yield return Generate(i);
    }

    private static AsOfWindow[] MakeWindows(RuleCatalogue catalogue, Instant anchor)
    {
        var dated = catalogue.Versions.Where(v => v.EffectiveFrom is not null).ToArray();
        if (!catalogue.HonoursEffectiveDates || dated.Length == 0)
        {
            return [new AsOfWindow(anchor - ThreeYears, anchor + ThreeYears, catalogue.InForceAt(anchor) ?? catalogue.Versions[^1], AroundAnchor: true)];
        }

        var windows = new AsOfWindow[dated.Length];
        for (var i = 0; i < dated.Length; i++)
        {
            var from = dated[i].EffectiveFrom!.Value;
            var to = i + 1 < dated.Length ? dated[i + 1].EffectiveFrom!.Value : from + ThreeYears;
            windows[i] = new AsOfWindow(from, to, dated[i], AroundAnchor: false);
        }

        return windows;
    }
}

/// <summary>A span <c>asOf</c> is drawn from, [<paramref name="Start"/>, <paramref name="End"/>), and the version in force in it.</summary>
internal sealed record AsOfWindow(Instant Start, Instant End, RuleSet Version, bool AroundAnchor)
{
    public bool Contains(Instant at) => at >= Start && at < End;
}
