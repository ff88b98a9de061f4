using Bogus;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Tests;

/// <summary>One generated case: the run's seed, its index in the run, and the case as JSON.</summary>
/// <param name="Seed">The seed of the run.</param>
/// <param name="Index">The case's index; <c>new EdgeCaseGenerator(Seed).Generate(Index)</c> regenerates it alone.</param>
/// <param name="Json">The case, as the bundled vocabulary spells it.</param>
internal sealed record EdgeCase(int Seed, int Index, JObject Json)
{
    private CaseText? _text;

    /// <summary>The case as JSON text (decimals exactly as generated).</summary>
    public string Text => TestJson.Write(Json);

    /// <summary>The case as text with any request spliced in, written once.</summary>
    public CaseText Asked => _text ??= new CaseText(Json);

    /// <summary>Where the case came from, for failure messages: enough to regenerate it.</summary>
    public string Origin => $"seed {Seed}, case {Index} (new EdgeCaseGenerator({Seed}).Generate({Index}))";

    /// <summary>Reads the case against a catalogue (the bundled terms by default); fails the test, naming the seed, when it is not valid.</summary>
    public CreditCase Read(RuleCatalogue? catalogue = null)
    {
        var read = (catalogue ?? BundledRules.Catalogue).ReadCase(Text);
        Assert.True(read.IsValid, $"{Origin} is not a valid case:{Environment.NewLine}{string.Join(Environment.NewLine, read.Problems)}{Environment.NewLine}{TestJson.Write(Json, indented: true)}");
        return read.Case!;
    }

    /// <summary>The same case asking something else.</summary>
    public JObject Asking(JObject request) => EdgeCases.WithRequest(Json, request);
}

/// <summary>A case written once without its request, so that many questions can be put to it without writing it again.</summary>
internal sealed class CaseText
{
    private readonly string _head;

    public CaseText(JObject json)
    {
        var copy = (JObject)json.DeepClone();
        copy.Remove("request");
        var text = TestJson.Write(copy);
        _head = text[..text.LastIndexOf('}')] + ",\"request\":";
    }

    /// <summary>The case asking <paramref name="request"/>, as JSON text.</summary>
    public string With(JObject request) => _head + TestJson.Write(request) + "}";
}

/// <summary>Edits of generated (or any) case JSON, for property tests that put several questions to one case.</summary>
internal static class EdgeCases
{
    /// <summary>A copy of the case with another request.</summary>
    public static JObject WithRequest(JObject json, JObject request)
    {
        var copy = (JObject)json.DeepClone();
        copy["request"] = request;
        return copy;
    }

    /// <summary>A copy of the case with its grants in another order.</summary>
    public static JObject WithGrantOrder(JObject json, Func<IReadOnlyList<JToken>, IEnumerable<JToken>> reorder)
    {
        var copy = (JObject)json.DeepClone();
        copy["grants"] = new JArray(reorder(((JArray)copy["grants"]!).ToArray()).Select(g => g.DeepClone()));
        return copy;
    }

    public static JObject Request(string type, decimal? amount = null, string? requestedBy = null, string? grantId = null, string? toAccountId = null, Instant? until = null)
    {
        var r = new JObject { ["type"] = type };
        if (amount is { } a) r["amount"] = a;
        if (requestedBy is not null) r["requestedBy"] = requestedBy;
        if (grantId is not null) r["grantId"] = grantId;
        if (toAccountId is not null) r["toAccountId"] = toAccountId;
        if (until is { } u) r["until"] = InstantPattern.ExtendedIso.Format(u);
        return r;
    }
}

/// <summary>Generates valid cases of the bundled vocabulary, deterministically for a seed, that lean on the places where credit terms go wrong.</summary>
/// <remarks>
/// <para>A test-side generator that knows the bundled terms (as tests may): it places instants on the edges the terms care
/// about so that property and differential tests reach every rule. Zones with daylight saving, +13/+14 and 45-minute offsets
/// and a skipped day (Pacific/Apia, 2011); leap days; grants whose local expiry falls in a gap or overlap; <c>asOf</c> exactly
/// at, one tick before and one tick after an expiry, a confirmation or a closure; balances exactly at the reload threshold;
/// grants of other holders; closed accounts; Balance Maintenance on, off, opted out (before, at and after <c>asOf</c>),
/// without a payment method and with pending reloads; every request type; instants with local offsets and defaults left out.</para>
/// <para>Case <c>i</c> of seed <c>s</c> depends only on <c>(s, i)</c>. The generator computes expiries only to place instants
/// on edges; it never decides anything.</para>
/// </remarks>
internal sealed class EdgeCaseGenerator(int seed)
{
    public static IReadOnlyList<string> Zones { get; } =
    [
        "Etc/UTC", "America/New_York", "Europe/London", "Pacific/Apia", "Pacific/Kiritimati", "Pacific/Chatham",
        "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Tongatapu", "Asia/Tokyo",
        "America/Sao_Paulo", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles", "Africa/Casablanca",
        "Australia/Adelaide", "America/Santiago", "Pacific/Auckland", "Europe/Dublin", "Pacific/Marquesas",
        "Antarctica/Troll", "Asia/Tehran",
    ];

    /// <summary>Every request type of the bundled vocabulary.</summary>
    public static IReadOnlyList<string> RequestTypes { get; } =
        ["use", "refund", "cashOut", "transfer", "sell", "closeAccount", "restore", "expirations", "reload", "balance"];

    private static readonly string[] NamingAGrant = ["refund", "cashOut", "transfer", "sell", "restore"];

    // Ids whose ordinal order differs from their natural or culture order, so the id tie-breaks are tested.
    private static readonly string[] GrantIds =
        ["g1", "g2", "g3", "g9", "g10", "g11", "G1", "a", "A", "b", "Z", "z", "g-1", "g_1", "g 1", "10", "9", "é", "e", "grant.1", "ÿ", "g01", "ı", "I", "i"];

    private static readonly Instant Earliest = Instant.FromUtc(2009, 1, 1, 0, 0);

    private static readonly Instant Latest = Instant.FromUtc(2036, 12, 31, 0, 0);

    private static readonly Duration Tick = Duration.FromTicks(1);

    public int Seed { get; } = seed;

    public IEnumerable<EdgeCase> GenerateMany(int count)
    {
        for (var i = 0; i < count; i++) yield return Generate(i);
    }

    public EdgeCase Generate(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new EdgeCase(Seed, index, new Builder(new Randomizer(CaseSeed(Seed, index))).Build());
    }

    /// <summary>One calendar year after an instant, as a local date-time in the zone (the design's default expiry).</summary>
    internal static Instant PlusOneYear(Instant start, DateTimeZone zone) =>
        start.InZone(zone).LocalDateTime.PlusYears(1).InZoneLeniently(zone).ToInstant();

    // SplitMix64 over (seed, index): neighbouring indexes get unrelated streams.
    private static int CaseSeed(int seed, int index)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    private sealed record Grant(string Id, string Kind, string Holder, decimal Amount, decimal Remaining, Instant IssuedAt, Instant? ConfirmedAt, Instant? ExpiresAt, string Source);

    private sealed record Maintenance(bool Enabled, decimal Threshold, decimal ReloadAmount, bool PaymentMethodOnFile, Instant? OptedOutAt, decimal Pending);

    private sealed class Builder(Randomizer r)
    {
        private string _accountId = "acct_1";
        private string[] _others = [];
        private DateTimeZone _zone = DateTimeZone.Utc;
        private bool _localOffsets;
        private bool _omitDefaults;

        public JObject Build()
        {
            var zoneId = r.ArrayElement(Zones.ToArray());
            _zone = DateTimeZoneProviders.Tzdb[zoneId];
            _accountId = r.Bool(0.7f) ? "acct_1" : "acct_" + r.AlphaNumeric(r.Number(1, 8));
            _others = r.Bool(0.5f) ? ["acct_2"] : ["acct_2", "acct_other", _accountId.ToUpperInvariant()];
            _localOffsets = r.Bool(0.3f);
            _omitDefaults = r.Bool(0.6f);
            var now = Anchor(zoneId);

            var grants = new List<Grant>();
            var count = r.WeightedRandom([0, r.Number(1, 3), r.Number(4, 8), r.Number(9, 40)], [0.06f, 0.5f, 0.4f, 0.04f]);
            var ids = r.Shuffle(GrantIds).Take(count).ToList();
            while (ids.Count < count) ids.Add("g" + (100 + ids.Count));
            foreach (var id in ids) grants.Add(NewGrant(id, now, grants));

            // asOf on an edge (an expiry, a confirmation) or anywhere after the anchor.
            var asOf = now;
            var mode = r.WeightedRandom(["expiry", "confirmation", "plain"], [0.4f, 0.1f, 0.5f]);
            if (mode == "expiry" && grants.Count > 0)
            {
                var target = r.ListItem(grants);
                var expiry = NaturalExpiry(target);
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
                grants[i] = g with { IssuedAt = g.IssuedAt - back, ConfirmedAt = g.ConfirmedAt - back, ExpiresAt = g.ExpiresAt - back };
            }

            // A few purchases are confirmed only after asOf.
            for (var i = 0; i < grants.Count; i++)
            {
                if (grants[i].Source == "purchase" && r.Bool(0.05f))
                {
                    grants[i] = grants[i] with { ConfirmedAt = asOf + Duration.FromSeconds(r.Long(0, 30L * 86400)) + (r.Bool() ? Tick : Duration.Zero) };
                }
            }

            var closedAt = Closure(asOf, grants);
            var available = Available(asOf, closedAt, grants);
            var maintenance = r.Bool(0.3f) ? null : NewMaintenance(asOf, available);

            var account = new JObject { ["id"] = _accountId, ["status"] = closedAt is null ? "open" : "closed" };
            if (closedAt is { } closed) account["closedAt"] = Instant(closed);
            if (!(_omitDefaults && zoneId == "Etc/UTC")) account["timeZone"] = zoneId;
            if (maintenance is { } m)
            {
                var bm = new JObject { ["enabled"] = m.Enabled, ["threshold"] = m.Threshold, ["reloadAmount"] = m.ReloadAmount };
                if (!(_omitDefaults && !m.PaymentMethodOnFile)) bm["paymentMethodOnFile"] = m.PaymentMethodOnFile;
                if (m.OptedOutAt is { } o) bm["optedOutAt"] = Instant(o);
                else if (!_omitDefaults && r.Bool(0.3f)) bm["optedOutAt"] = null;
                if (!(_omitDefaults && m.Pending == 0m)) bm["pendingReloadAmount"] = m.Pending;
                account["balanceMaintenance"] = bm;
            }

            return new JObject
            {
                ["asOf"] = Instant(asOf),
                ["account"] = account,
                ["grants"] = new JArray(grants.Select(GrantJson)),
                ["request"] = NewRequest(asOf, grants, available, closedAt),
            };
        }

        private JObject GrantJson(Grant g)
        {
            var o = new JObject
            {
                ["id"] = g.Id,
                ["kind"] = g.Kind,
                ["holderAccountId"] = g.Holder,
                ["amount"] = g.Amount,
                ["remaining"] = g.Remaining,
                ["issuedAt"] = Instant(g.IssuedAt),
            };
            if (g.ConfirmedAt is { } c) o["confirmedAt"] = Instant(c);
            if (g.ExpiresAt is { } e) o["expiresAt"] = Instant(e);
            var kindDefault = g.Kind == "usage" ? "purchase" : "promotion";
            if (!(_omitDefaults && g.Source == kindDefault)) o["source"] = g.Source;
            return o;
        }

        private string Instant(Instant i) => _localOffsets
            ? OffsetDateTimePattern.ExtendedIso.Format(i.InZone(_zone).ToOffsetDateTime())
            : InstantPattern.ExtendedIso.Format(i);

        private Instant NaturalExpiry(Grant g) => g.Kind == "usage"
            ? PlusOneYear(g.ConfirmedAt ?? g.IssuedAt, _zone)
            : g.ExpiresAt ?? PlusOneYear(g.IssuedAt, _zone);

        private Instant Anchor(string zoneId)
        {
            var roll = r.Number(0, 99);
            if (zoneId == "Pacific/Apia" && roll < 25)
            {
                // Around the day Samoa skipped (2011-12-30 did not happen there).
                return NodaTime.Instant.FromUtc(2011, 6, 1, 0, 0) + Duration.FromSeconds(r.Long(0, 600L * 86400));
            }

            if (roll < 70) return NodaTime.Instant.FromUtc(2023, 1, 1, 0, 0) + Duration.FromSeconds(r.Long(0, 6L * 365 * 86400));
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
            var kind = r.Bool(0.55f) ? "usage" : "promotional";
            var source = kind == "usage"
                ? r.WeightedRandom(["purchase", "balanceMaintenance", "promotion"], [0.75f, 0.2f, 0.05f])
                : r.WeightedRandom(["promotion", "purchase", "balanceMaintenance"], [0.9f, 0.05f, 0.05f]);
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
            if (source == "purchase" || (source == "balanceMaintenance" && r.Bool(0.4f)) || r.Bool(0.05f))
            {
                confirmedAt = r.WeightedRandom(["none", "same", "later", "tick"], [0.1f, 0.35f, 0.5f, 0.05f]) switch
                {
                    "same" => issuedAt,
                    "later" => issuedAt + Duration.FromSeconds(r.Long(1, 10L * 86400)),
                    "tick" => issuedAt + Tick,
                    _ => null,
                };
            }

            if (kind == "promotional" && r.Bool(0.6f))
            {
                expiresAt = r.WeightedRandom(["span", "same", "tick", "local"], [0.8f, 0.03f, 0.03f, 0.14f]) switch
                {
                    "same" => issuedAt,
                    "tick" => issuedAt + Tick,
                    "local" => issuedAt.InZone(_zone).Date.PlusDays(r.Number(1, 400)).AtMidnight().InZoneLeniently(_zone).ToInstant(),
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
                var from = interval.Start.WithOffset(before < after ? before : after).LocalDateTime;
                var span = Math.Abs(after.Ticks - before.Ticks);
                candidates.Add(from.PlusTicks(r.Long(0, span - 1)));
            }

            if (candidates.Count == 0) return null;
            var issued = r.ListItem(candidates).PlusYears(-1).InZoneLeniently(_zone).ToInstant();
            return issued <= now ? issued : null;
        }

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

        private Instant? Closure(Instant asOf, List<Grant> grants)
        {
            if (!r.Bool(0.2f)) return null;
            var candidates = new List<Instant> { asOf, asOf - Duration.FromSeconds(r.Long(1, 200L * 86400)) };
            foreach (var g in grants)
            {
                // Closure exactly at a natural expiry (which wins the tie?), at issuance, and one tick around.
                var natural = NaturalExpiry(g);
                if (natural <= asOf) candidates.Add(natural);
                if (natural - Tick <= asOf) candidates.Add(natural - Tick);
                candidates.Add(g.IssuedAt);
                if (g.IssuedAt > Earliest) candidates.Add(g.IssuedAt - Tick);
            }

            var closedAt = r.ListItem(candidates);
            return closedAt <= asOf ? closedAt : asOf;
        }

        private decimal Available(Instant asOf, Instant? closedAt, List<Grant> grants)
        {
            var sum = 0m;
            foreach (var g in grants)
            {
                var expiry = NaturalExpiry(g);
                if (closedAt is { } closed && closed < expiry) expiry = closed;
                var unconfirmed = g.Kind == "usage" && g.Source == "purchase" && (g.ConfirmedAt is null || g.ConfirmedAt > asOf);
                if (asOf < expiry && !unconfirmed && g.Holder == _accountId) sum += g.Remaining;
            }

            return sum;
        }

        private Maintenance NewMaintenance(Instant asOf, decimal available)
        {
            var enabled = r.Bool(0.75f);
            var pending = r.Bool(0.6f) ? 0m : Money();
            var threshold = r.WeightedRandom(["at", "cent-above", "cent-below", "any"], [0.3f, 0.08f, 0.08f, 0.54f]) switch
            {
                "at" => available + pending,
                "cent-above" => available + pending + 0.01m,
                "cent-below" => Math.Max(0m, available + pending - 0.01m),
                _ => r.Number(0, 20000) / 100m,
            };

            // An enabled service must reload something (a declared check); a disabled one may hold 0.
            var reload = enabled || r.Bool(0.8f) ? Money() : 0m;
            var optedOutAt = r.Bool(0.2f)
                ? r.WeightedRandom(["at", "tick-after", "after", "before"], [0.15f, 0.1f, 0.15f, 0.6f]) switch
                {
                    "at" => asOf,
                    "tick-after" => asOf + Tick,
                    "after" => asOf + Duration.FromSeconds(r.Long(1, 300L * 86400)),
                    _ => asOf - Duration.FromSeconds(r.Long(1, 300L * 86400)),
                }
                : (Instant?)null;
            return new Maintenance(enabled, threshold, reload, r.Bool(0.85f), optedOutAt, pending);
        }

        private JObject NewRequest(Instant asOf, List<Grant> grants, decimal available, Instant? closedAt)
        {
            var type = r.WeightedRandom(RequestTypes.ToArray(), [0.3f, 0.04f, 0.04f, 0.04f, 0.04f, 0.1f, 0.1f, 0.1f, 0.16f, 0.08f]);
            if (grants.Count == 0 && NamingAGrant.Contains(type)) type = r.Bool() ? "use" : "balance";
            string GrantId() => r.ListItem(grants).Id;
            string Other() => r.Bool(0.1f) ? _accountId : r.ArrayElement(_others);

            switch (type)
            {
                case "use":
                    var amount = r.WeightedRandom(["exact", "cent-over", "cent-under", "any", "cent"], [0.2f, 0.1f, 0.05f, 0.6f, 0.05f]) switch
                    {
                        "exact" => available,
                        "cent-over" => available + 0.01m,
                        "cent-under" => available - 0.01m,
                        "cent" => 0.01m,
                        _ => r.Bool(0.7f) && available > 0m ? Math.Round(available * r.Number(1, 100) / 100m, 2, MidpointRounding.ToZero) : Money(),
                    };
                    return EdgeCases.Request(type, amount: amount > 0m ? amount : 0.01m, requestedBy: r.Bool(0.85f) ? _accountId : Other());
                case "transfer":
                case "sell":
                    return EdgeCases.Request(type, amount: Money(), grantId: GrantId(), toAccountId: Other());
                case "refund":
                case "cashOut":
                case "restore":
                    return EdgeCases.Request(type, grantId: GrantId());
                case "expirations":
                    if (r.Bool(0.5f)) return EdgeCases.Request(type);
                    var edge = grants.Count > 0 && r.Bool(0.6f)
                        ? Earlier(NaturalExpiry(r.ListItem(grants)), closedAt)
                        : asOf + Duration.FromSeconds(r.Long(-100L * 86400, 400L * 86400));
                    var until = new JObject { ["type"] = type, ["until"] = Instant(edge + Duration.FromTicks(r.ArrayElement(new[] { -1L, 0L, 0L, 1L }))) };
                    return until;
                default:
                    return EdgeCases.Request(type);
            }
        }

        private static Instant Earlier(Instant a, Instant? b) => b is { } v && v < a ? v : a;
    }
}
