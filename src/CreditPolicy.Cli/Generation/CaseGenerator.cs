using Bogus;

using Newtonsoft.Json.Linq;
using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>One generated case: its position in the run, the case, and the case as the JSON it was spelt in.</summary>
/// <param name="Seed">The seed of the run.</param>
/// <param name="Index">The case's index in the run; <c>(Seed, Index)</c> regenerates it.</param>
/// <param name="Case">The case.</param>
/// <param name="Json">The case in the contract's JSON; reads back as <paramref name="Case"/>.</param>
internal sealed record GeneratedCase(int Seed, int Index, CreditCase Case, JObject Json);

/// <summary>Generates valid cases, deterministically for a seed, that lean on the places where credit terms go wrong.</summary>
/// <remarks>
/// Every case is valid under the bundled vocabulary. The distribution favours edges: time zones with
/// daylight saving, +13/+14 and 45-minute offsets and a skipped day (Pacific/Apia, 2011); leap days;
/// grants whose local expiry falls in a daylight-saving gap or overlap; <c>asOf</c> exactly at, one tick
/// before and one tick after a grant's expiry, a confirmation or a closure; balances exactly at the reload
/// threshold; grants of other holders; closed accounts (some with grants issued after closure); Balance
/// Maintenance on, off, opted out, without a payment method and with pending reloads; every request type.
/// Case <c>i</c> of seed <c>s</c> depends only on <c>(s, i)</c>, so a failing case can be regenerated alone.
/// The generator computes expiries itself (one calendar year in the account's zone, Feb 29 to Feb 28, a time
/// in a gap moved forward) only to place instants on the edges; it never decides anything.
/// </remarks>
internal sealed class CaseGenerator(int seed)
{
    /// <summary>The zones cases are set in: UTC, daylight saving both ways, +13/+14, :30 and :45 offsets, a skipped day.</summary>
    public static IReadOnlyList<string> Zones => ZoneIds;

    private static readonly string[] ZoneIds =
    [
        "Etc/UTC", "America/New_York", "Europe/London", "Pacific/Apia", "Pacific/Kiritimati", "Pacific/Chatham",
        "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Tongatapu", "Asia/Tokyo",
        "America/Sao_Paulo", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles", "Africa/Casablanca",
        "Australia/Adelaide", "America/Santiago", "Pacific/Auckland", "Europe/Dublin", "Pacific/Marquesas",
        "Antarctica/Troll", "Asia/Tehran",
    ];

    // Ids whose ordinal order differs from their "natural" or culture order, so the draw order's id tie-break is tested.
    private static readonly string[] GrantIds =
        ["g1", "g2", "g3", "g9", "g10", "g11", "G1", "a", "A", "b", "Z", "z", "g-1", "g_1", "g 1", "10", "9", "é", "e", "grant.1", "ÿ", "g01"];

    private static readonly Instant Earliest = Instant.FromUtc(2009, 1, 1, 0, 0);

    private static readonly Instant Latest = Instant.FromUtc(2036, 12, 31, 0, 0);

    private static readonly Duration Tick = Duration.FromTicks(1);

    /// <summary>The seed of this generator.</summary>
    public int Seed { get; } = seed;

    /// <summary>The first <paramref name="count"/> cases of this seed, in index order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="count"/> is negative.</exception>
    public IEnumerable<GeneratedCase> GenerateMany(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++) yield return Generate(i);
    }

    /// <summary>Case number <paramref name="index"/> of this seed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="index"/> is negative.</exception>
    public GeneratedCase Generate(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var builder = new Builder(new Randomizer(CaseSeed(Seed, index)));
        var (@case, style) = builder.Build();
        return new GeneratedCase(Seed, index, @case, CaseJsonWriter.ToJObject(@case, style));
    }

    /// <summary>One calendar year after <paramref name="start"/>, as a local date-time in <paramref name="zone"/>, the way the design defines expiry.</summary>
    internal static Instant PlusOneYear(Instant start, DateTimeZone zone) =>
        start.InZone(zone).LocalDateTime.PlusYears(1).InZoneLeniently(zone).ToInstant();

    /// <summary>The expiry a grant would have without closure, per the design's default semantics.</summary>
    internal static Instant NaturalExpiry(Grant g, DateTimeZone zone) => g.Kind == GrantKinds.Usage
        ? PlusOneYear(g.ConfirmedAt ?? g.IssuedAt, zone)
        : g.ExpiresAt ?? PlusOneYear(g.IssuedAt, zone);

    // SplitMix64 over (seed, index): neighbouring indexes get unrelated streams.
    private static int CaseSeed(int seed, int index)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    private sealed class Builder(Randomizer r)
    {
        private string _accountId = "acct_1";
        private string[] _others = [];
        private DateTimeZone _zone = DateTimeZone.Utc;

        public (CreditCase Case, CaseJsonStyle Style) Build()
        {
            var zoneId = r.ArrayElement(ZoneIds);
            _zone = DateTimeZoneProviders.Tzdb[zoneId];
            _accountId = r.Bool(0.7f) ? "acct_1" : "acct_" + r.AlphaNumeric(r.Number(1, 8));
            _others = r.Bool(0.5f) ? ["acct_2"] : ["acct_2", "acct_other", _accountId.ToUpperInvariant()];
            var now = Anchor(zoneId);

            var grants = new List<Grant>();
            var count = r.WeightedRandom([0, r.Number(1, 3), r.Number(4, 8), r.Number(9, 40)], [0.06f, 0.5f, 0.4f, 0.04f]);
            var ids = r.Shuffle(GrantIds).Take(count).ToList();
            while (ids.Count < count) ids.Add("g" + (100 + ids.Count));
            foreach (var id in ids) grants.Add(NewGrant(id, now, grants));

            // Place asOf on an edge (an expiry, a confirmation) or anywhere after the anchor.
            var asOf = now;
            var mode = r.WeightedRandom(["expiry", "confirmation", "plain"], [0.4f, 0.1f, 0.5f]);
            if (mode == "expiry" && grants.Count > 0)
            {
                var target = r.ListItem(grants);
                var expiry = NaturalExpiry(target, _zone);
                asOf = expiry + Delta(expiry, target.IssuedAt);
            }
            else if (mode == "confirmation" && grants.FirstOrDefault(g => g.ConfirmedAt is not null) is { } confirmed)
            {
                asOf = confirmed.ConfirmedAt!.Value + Delta(confirmed.ConfirmedAt!.Value, confirmed.IssuedAt);
            }
            else if (r.Bool(0.3f))
            {
                asOf = now + Duration.FromSeconds(r.Long(0, 400L * 86400));
            }

            // A snapshot holds no grant issued after asOf: move such grants back, keeping their own spacing.
            for (var i = 0; i < grants.Count; i++)
            {
                var g = grants[i];
                if (g.IssuedAt <= asOf) continue;
                var back = g.IssuedAt - asOf + Duration.FromSeconds(r.Long(0, 60L * 86400));
                grants[i] = g with
                {
                    IssuedAt = g.IssuedAt - back,
                    ConfirmedAt = g.ConfirmedAt - back,
                    ExpiresAt = g.ExpiresAt - back,
                };
            }

            // A few purchases are confirmed only after asOf (an order not yet accepted at the snapshot).
            for (var i = 0; i < grants.Count; i++)
            {
                if (grants[i].Source == GrantSources.Purchase && r.Bool(0.05f))
                {
                    grants[i] = grants[i] with { ConfirmedAt = asOf + Duration.FromSeconds(r.Long(0, 30L * 86400)) + (r.Bool() ? Tick : Duration.Zero) };
                }
            }

            var (status, closedAt) = Closure(asOf, grants);
            var available = Available(asOf, closedAt, grants);
            var maintenance = Maintenance(asOf, available);
            var account = new Account(_accountId, status, closedAt, zoneId, maintenance);
            var request = Request(asOf, grants, available, closedAt);
            var style = new CaseJsonStyle(LocalOffsets: r.Bool(0.3f), OmitDefaults: r.Bool(0.6f));
            return (new CreditCase(asOf, account, grants, request), style);
        }

        private Instant Anchor(string zoneId)
        {
            var roll = r.Number(0, 99);
            if (zoneId == "Pacific/Apia" && roll < 25)
            {
                // Around the day Samoa skipped (2011-12-30 did not happen there).
                return Instant.FromUtc(2011, 6, 1, 0, 0) + Duration.FromSeconds(r.Long(0, 600L * 86400));
            }

            if (roll < 70)
            {
                return Instant.FromUtc(2023, 1, 1, 0, 0) + Duration.FromSeconds(r.Long(0, 6L * 365 * 86400));
            }

            return Earliest + Duration.FromSeconds(r.Long(3L * 365 * 86400, (long)(Latest - Earliest).TotalSeconds - 400L * 86400));
        }

        /// <summary>-1 tick, 0 or +1 tick, never placing asOf before the grant's issuance.</summary>
        private Duration Delta(Instant edge, Instant issuedAt)
        {
            var delta = r.ArrayElement(new[] { -1L, 0L, 0L, 1L });
            return delta < 0 && edge - Tick < issuedAt ? Duration.Zero : Duration.FromTicks(delta);
        }

        private Grant NewGrant(string id, Instant now, List<Grant> earlier)
        {
            var kind = r.Bool(0.55f) ? GrantKinds.Usage : GrantKinds.Promotional;
            var source = kind == GrantKinds.Usage
                ? r.WeightedRandom([GrantSources.Purchase, GrantSources.BalanceMaintenance, GrantSources.Promotion], [0.75f, 0.2f, 0.05f])
                : r.WeightedRandom([GrantSources.Promotion, GrantSources.Purchase, GrantSources.BalanceMaintenance], [0.9f, 0.05f, 0.05f]);
            var holder = r.Bool(0.85f) ? _accountId : r.ArrayElement(_others);

            var issuedAt = r.WeightedRandom(["plain", "leap", "gap", "same"], [0.6f, 0.12f, 0.2f, 0.08f]) switch
            {
                "leap" => LeapDay(now) ?? Before(now),
                "gap" => TransitionTarget(now) ?? Before(now),
                "same" when earlier.Count > 0 => r.ListItem(earlier).IssuedAt,
                _ => Before(now),
            };

            Instant? confirmedAt = null;
            Instant? expiresAt = null;
            if (source == GrantSources.Purchase || (source == GrantSources.BalanceMaintenance && r.Bool(0.4f)) || r.Bool(0.05f))
            {
                confirmedAt = r.WeightedRandom(["none", "same", "later", "tick"], [0.1f, 0.35f, 0.5f, 0.05f]) switch
                {
                    "same" => issuedAt,
                    "later" => issuedAt + Duration.FromSeconds(r.Long(1, 10L * 86400)),
                    "tick" => issuedAt + Tick,
                    _ => null,
                };
            }

            if (kind == GrantKinds.Promotional && r.Bool(0.6f))
            {
                expiresAt = r.WeightedRandom(["span", "same", "tick", "local"], [0.8f, 0.03f, 0.03f, 0.14f]) switch
                {
                    "same" => issuedAt,
                    "tick" => issuedAt + Tick,
                    "local" => LocalMidnightAfter(issuedAt),
                    _ => issuedAt + Duration.FromSeconds(r.Long(3600, 500L * 86400)),
                };
            }

            var amount = Money(positive: r.Bool(0.97f));
            var remaining = r.WeightedRandom(["all", "none", "part"], [0.4f, 0.1f, 0.5f]) switch
            {
                "all" => amount,
                "none" => 0m,
                _ => Math.Round(amount * r.Number(0, 100) / 100m, 2, MidpointRounding.ToZero),
            };
            return new Grant(id, kind, holder, amount, remaining, issuedAt, confirmedAt, expiresAt, source);
        }

        private Instant Before(Instant now)
        {
            var at = now - Duration.FromSeconds(r.Long(0, 800L * 86400));
            return r.Bool(0.2f) ? at + Duration.FromTicks(r.Long(1, NodaConstants.TicksPerSecond - 1)) : at;
        }

        /// <summary>An instant on Feb 29 (local) of a leap year not after <paramref name="now"/>.</summary>
        private Instant? LeapDay(Instant now)
        {
            var years = new[] { 2012, 2016, 2020, 2024, 2028, 2032 }
                .Select(y => new LocalDate(y, 2, 29).At(new LocalTime(r.Number(0, 23), r.Number(0, 59))).InZoneLeniently(_zone).ToInstant())
                .Where(i => i <= now)
                .ToArray();
            return years.Length == 0 ? null : years[years.Length - 1 - r.Number(0, Math.Min(1, years.Length - 1))];
        }

        /// <summary>An issuance whose local time one year on falls in a daylight-saving gap or overlap (or a skipped day) of the zone.</summary>
        private Instant? TransitionTarget(Instant now)
        {
            var candidates = new List<LocalDateTime>();
            foreach (var interval in _zone.GetZoneIntervals(now - Duration.FromDays(800), now + Duration.FromDays(365)))
            {
                if (!interval.HasStart || interval.Start <= Earliest) continue;
                var before = _zone.GetZoneInterval(interval.Start - Tick).WallOffset;
                var after = interval.WallOffset;
                if (before == after) continue;

                // The local times skipped (gap) or repeated (overlap) at this transition.
                var from = interval.Start.WithOffset(before < after ? before : after).LocalDateTime;
                var span = Math.Abs(after.Ticks - before.Ticks);
                candidates.Add(from.PlusTicks(r.Long(0, span - 1)));
            }

            if (candidates.Count == 0) return null;
            var issued = r.ListItem(candidates).PlusYears(-1).InZoneLeniently(_zone).ToInstant();
            return issued <= now ? issued : null;
        }

        private Instant LocalMidnightAfter(Instant issuedAt) =>
            issuedAt.InZone(_zone).Date.PlusDays(r.Number(1, 400)).AtMidnight().InZoneLeniently(_zone).ToInstant();

        private decimal Money(bool positive = true)
        {
            if (!positive) return 0m;
            return r.WeightedRandom(["cents", "whole", "fine", "big"], [0.75f, 0.15f, 0.05f, 0.05f]) switch
            {
                "whole" => r.Number(1, 500),
                "fine" => r.Number(1, 99999) / 10000m,
                "big" => r.Long(1, 10_000_000_000) / 100m,
                _ => r.Number(1, 50000) / 100m,
            };
        }

        private (string Status, Instant? ClosedAt) Closure(Instant asOf, List<Grant> grants)
        {
            if (!r.Bool(0.2f)) return (AccountStatuses.Open, null);
            var candidates = new List<Instant> { asOf, asOf - Duration.FromSeconds(r.Long(1, 200L * 86400)) };
            foreach (var g in grants)
            {
                // Closure exactly at a natural expiry (which wins the tie?), at issuance, and one tick around.
                var natural = NaturalExpiry(g, _zone);
                if (natural <= asOf) candidates.Add(natural);
                if (natural - Tick <= asOf) candidates.Add(natural - Tick);
                candidates.Add(g.IssuedAt);
                if (g.IssuedAt > Earliest) candidates.Add(g.IssuedAt - Tick);
            }

            var closedAt = r.ListItem(candidates);
            return (AccountStatuses.Closed, closedAt <= asOf ? closedAt : asOf);
        }

        private decimal Available(Instant asOf, Instant? closedAt, List<Grant> grants)
        {
            var sum = 0m;
            foreach (var g in grants)
            {
                var expiry = NaturalExpiry(g, _zone);
                if (closedAt is { } closed && closed < expiry) expiry = closed;
                var unconfirmed = g.Kind == GrantKinds.Usage && g.Source == GrantSources.Purchase && (g.ConfirmedAt is null || g.ConfirmedAt > asOf);
                if (asOf < expiry && !unconfirmed && g.HolderAccountId == _accountId) sum += g.Remaining;
            }

            return sum;
        }

        private BalanceMaintenance? Maintenance(Instant asOf, decimal available)
        {
            if (r.Bool(0.3f)) return null;
            var enabled = r.Bool(0.75f);
            var pending = r.Bool(0.6f) ? 0m : Money();
            var threshold = r.WeightedRandom(["at", "cent-above", "cent-below", "any"], [0.3f, 0.08f, 0.08f, 0.54f]) switch
            {
                "at" => available + pending,
                "cent-above" => available + pending + 0.01m,
                "cent-below" => Math.Max(0m, available + pending - 0.01m),
                _ => r.Number(0, 20000) / 100m,
            };
            var reload = enabled || r.Bool(0.8f) ? Money() : 0m;
            // Opt-outs at, just after and after asOf too: one dated after asOf has not happened yet (B.3 "until Customer opts out").
            var optedOutAt = r.Bool(0.2f)
                ? r.WeightedRandom(["at", "tick-after", "after", "before"], [0.15f, 0.1f, 0.15f, 0.6f]) switch
                {
                    "at" => asOf,
                    "tick-after" => asOf + Tick,
                    "after" => asOf + Duration.FromSeconds(r.Long(1, 300L * 86400)),
                    _ => asOf - Duration.FromSeconds(r.Long(1, 300L * 86400)),
                }
                : (Instant?)null;
            return new BalanceMaintenance(enabled, threshold, reload, r.Bool(0.85f), optedOutAt, pending);
        }

        private CreditRequest Request(Instant asOf, List<Grant> grants, decimal available, Instant? closedAt)
        {
            var type = r.WeightedRandom(
                [RequestTypes.Use, RequestTypes.Refund, RequestTypes.CashOut, RequestTypes.Transfer, RequestTypes.Sell,
                 RequestTypes.CloseAccount, RequestTypes.Restore, RequestTypes.Expirations, RequestTypes.Reload, RequestTypes.Balance],
                [0.3f, 0.04f, 0.04f, 0.04f, 0.04f, 0.1f, 0.1f, 0.1f, 0.16f, 0.08f]);
            if (grants.Count == 0 && RequestTypes.NamingAGrant.Contains(type)) type = r.Bool() ? RequestTypes.Use : RequestTypes.Balance;
            string GrantId() => r.ListItem(grants).Id;
            string Other() => r.Bool(0.1f) ? _accountId : r.ArrayElement(_others);

            switch (type)
            {
                case RequestTypes.Use:
                    var amount = r.WeightedRandom(["exact", "cent-over", "cent-under", "any", "cent"], [0.2f, 0.1f, 0.05f, 0.6f, 0.05f]) switch
                    {
                        "exact" => available,
                        "cent-over" => available + 0.01m,
                        "cent-under" => available - 0.01m,
                        "cent" => 0.01m,
                        _ => r.Bool(0.7f) && available > 0m ? Math.Round(available * r.Number(1, 100) / 100m, 2, MidpointRounding.ToZero) : Money(),
                    };
                    return new CreditRequest(type, Amount: amount > 0m ? amount : 0.01m, RequestedBy: r.Bool(0.85f) ? _accountId : Other());
                case RequestTypes.Transfer:
                case RequestTypes.Sell:
                    return new CreditRequest(type, Amount: Money(), GrantId: GrantId(), ToAccountId: Other());
                case RequestTypes.Refund:
                case RequestTypes.CashOut:
                case RequestTypes.Restore:
                    return new CreditRequest(type, GrantId: GrantId());
                case RequestTypes.Expirations:
                    if (r.Bool(0.5f)) return new CreditRequest(type);
                    var edge = grants.Count > 0 && r.Bool(0.6f)
                        ? Earlier(NaturalExpiry(r.ListItem(grants), _zone), closedAt)
                        : asOf + Duration.FromSeconds(r.Long(-100L * 86400, 400L * 86400));
                    return new CreditRequest(type, Until: edge + Duration.FromTicks(r.ArrayElement(new[] { -1L, 0L, 0L, 1L })));
                default:
                    return new CreditRequest(type);
            }
        }

        private static Instant Earlier(Instant a, Instant? b) => b is { } v && v < a ? v : a;
    }
}
