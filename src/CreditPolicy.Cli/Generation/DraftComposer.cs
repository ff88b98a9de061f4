using System.Text;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>Builds one case for a <see cref="CaseGenerator"/> from one random stream: values by declared type, calendar edges,
/// then read back against the catalogue and repaired until valid.</summary>
internal sealed partial class DraftComposer
{
    // Ids whose ordinal order differs from their natural or culture order, near-duplicates and non-ASCII ones, so every
    // tie broken by id and every comparison of ids is exercised.
    private static readonly string[] EdgeIds =
    [
        "g1", "g2", "g3", "g9", "g10", "g11", "G1", "a", "A", "b", "Z", "z", "g-1", "g_1", "g 1", "10", "9", "é", "e\u0301",
        "grant.1", "ÿ", "g01", "İ", "ı", "ß", "ss", "\U0001F600", "日本",
    ];

    private static readonly string[] EdgeStrings =
    [
        "a", "A", "b", "B", "Z", "z", "é", "e\u0301", "É", "ÿ", "ß", "ss", "İ", "i", "ı", "10", "9", "01", "x-1", "x_1", "x 1",
        "x.1", "日本", "Ωmega", "\U0001F600", "a\u00A0b", "Ä", "A\u0308", "ǅ", "ﬁ", "fi", "Straße", "STRASSE", "'quoted'",
        "\"dq\"", "back\\slash", "<tag>", "&amp;",
    ];

    private const string WordChars = "abcdefghijklmnopqrstuvwxyz0123456789_-";

    private static readonly Instant Earliest = Instant.FromUtc(1971, 1, 1, 0, 0);

    private static readonly Instant Latest = Instant.FromUtc(2100, 1, 1, 0, 0);

    private static readonly Instant WideFrom = Instant.FromUtc(2009, 1, 1, 0, 0);

    private static readonly Instant WideTo = Instant.FromUtc(2037, 1, 1, 0, 0);

    private static readonly Duration Tick = Duration.FromTicks(1);

    private const int SettleRounds = 10;

    // Strict: a lone surrogate in a draft is a bug here, never text to replace silently.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly CaseGenerator _g;
    private readonly Rng _r;
    private readonly StringBuilder _sb = new();
    private readonly List<string> _strings = [];
    private readonly HashSet<string> _stringSet = new(StringComparer.Ordinal);
    private readonly List<decimal> _decimals = [];
    private readonly HashSet<string> _grantIds = new(StringComparer.Ordinal);

    private VersionProfile _p = null!;
    private CaseDraft _d = null!;
    private AsOfWindow _w = null!;
    private RuleSet _version = null!;
    private bool _pinned;
    private bool _large;
    private int _expandTo;
    private bool _requestBuilt;
    private DraftObject? _grant;
    private (PeriodSite Site, Instant Start)? _plannedEdge;
    private Transition? _nearTransition;
    private int _grantSerial;
    private int _idStyle;
    private double _presence;
    private double _coherence;
    private double _explicitDefaults;
    private double _nulls;
    private double _localShare;

    public DraftComposer(CaseGenerator generator, Rng random)
    {
        _g = generator;
        _r = random;
    }

    private CaseContract Contract => _p.Contract;

    private RuleCatalogue Catalogue => _g.Catalogue;

    /// <summary>Builds the case; false (with the last problems) when this draw could not be made valid.</summary>
    public bool TryCompose(out string json, out string? failure)
    {
        json = "";
        failure = null;
        Build();
        var settled = Settle(SettleRounds, out failure);
        if (settled is null)
        {
            // A simpler case: no edges, fewer optional attributes.
            _d.Unlock();
            Simplify();
            settled = Settle(SettleRounds, out failure);
            if (settled is null) return false;
        }

        if (_expandTo > _d.Grants.Count && _d.Grants.Count > 0)
        {
            var small = _d.Clone();
            Expand();
            if (Settle(3, out _) is { } large) settled = large;
            else _d = small;
        }

        if (_r.Chance(0.45)) BalanceAndExpiryEdges(settled);

        // The draft now holds the last values read back valid; its text is the case.
        json = _d.Write(_sb);
        return true;
    }

    // ---- The draft -------------------------------------------------------------------------------------------------

    private void Build()
    {
        _large = _r.Chance(_g.Options.LargeAccounts);
        _presence = _large ? 0.5 : Pick(0.35, 0.65, 0.9);
        _coherence = Pick(0.5, 0.85, 0.95);
        _explicitDefaults = Pick(0.1, 0.3);
        _nulls = _r.Chance(0.3) ? 0.3 : 0;
        _localShare = Pick(0.0, 0.0, 0.5, 1.0);
        _idStyle = _r.Below(6);

        // The zone first: asOf may be placed on one of its transitions.
        _w = _r.Pick(_g.Windows);
        var windowProfile = _g.Profile(_w.Version);
        object? zoneValue = null;
        string zoneId = "Etc/UTC";
        if (windowProfile.Zone is { } zoneAttribute)
        {
            var x = _r.Double();
            if (x < 0.15 && !zoneAttribute.Required) zoneValue = Absent();
            else if (x < 0.2 && zoneAttribute.Default is string d) zoneValue = d;
            else zoneValue = _r.Pick(_g.Zones);
            zoneId = zoneValue as string ?? zoneAttribute.Default as string ?? "Etc/UTC";
        }

        var zone = Catalogue.TimeZones.Find(zoneId) ?? DateTimeZone.Utc;
        var asOf = ChooseAsOf(zone, windowProfile);
        if (!_w.Contains(asOf)) _w = _g.Windows.FirstOrDefault(x => x.Contains(asOf)) ?? _w;

        // The version that reads the case: the one the account pins, else the one in force at asOf.
        string? pin = null;
        if (Catalogue.Versions.Count > 1 && _r.Chance(_g.Options.Pinned))
        {
            _version = _r.Pick(Catalogue.Versions);
            pin = _version.Identity.TermsVersion;
            _pinned = true;
        }
        else
        {
            _version = Catalogue.InForceAt(asOf) ?? Catalogue.Versions[0];
        }

        _p = _g.Profile(_version);
        var account = new DraftObject(Contract.Account);
        _d = new CaseDraft
        {
            AsOf = asOf,
            AsOfLocal = _r.Chance(_localShare),
            Pin = pin,
            Account = account,
            RequestType = "",
            Request = account, // replaced below
        };

        // The account's id and zone, then its grants (whose strings repeat the id), then the rest of the account.
        foreach (var a in Contract.Account.Attributes.Where(a => a.Structural == Structural.AccountId)) Fill(account, a);
        if (_p.Zone is { } z)
        {
            account[z] = z.Required && zoneValue is not string ? zoneId : zoneValue;
            var effective = account[z] as string ?? z.Default as string ?? "Etc/UTC";
            _d.Zone = Catalogue.TimeZones.Find(effective) ?? DateTimeZone.Utc;
        }

        if (_p.Sites.Count > 0 && _w.Contains(asOf) && (_nearTransition is not null || _r.Chance(0.45))) PlanEdge();

        // A large account is built from a few grants, made valid, then repeated under new ids (see Expand): reading back
        // and repairing thousands of grants one problem at a time would cost far more than the case is worth.
        var count = GrantCount();
        if (_large)
        {
            _expandTo = count;
            count = Math.Min(count, 24);
        }

        for (var i = 0; i < count; i++) _d.Grants.Add(NewGrant());
        foreach (var a in Contract.Account.Attributes)
        {
            if (a.Structural == Structural.AccountId || ReferenceEquals(a, _p.Zone)) continue;
            Fill(account, a);
        }

        var type = _r.Pick(Contract.RequestTypes);
        var fields = Contract.Requests[type].Fields;
        if (_d.Grants.Count == 0 && fields.Attributes.Any(a => a.Kind == AttributeKind.GrantId && a.Required)) _d.Grants.Add(NewGrant());
        _d.RequestType = type;
        _d.Request = new DraftObject(fields);
        _requestBuilt = true;
        foreach (var a in fields.Attributes) Fill(_d.Request, a);

        // Spelling: field order, escapes, where the request type sits.
        if (_r.Chance(0.1))
        {
            Shuffle(account);
            Shuffle(_d.Request);
            foreach (var g in _d.Grants) Shuffle(g);
        }

        ApplyEdge();
        _d.EscapeNonAscii = _r.Chance(0.03);
        _d.EnvelopeOrder = _r.Chance(0.1) ? _r.Int(1, 5) : 0;
        _d.TypeLast = _r.Chance(0.05);
    }

    private Instant ChooseAsOf(DateTimeZone zone, VersionProfile profile)
    {
        if (_r.Chance(_g.Options.OutsideVersions))
        {
            var first = _g.Windows[0];
            return first.AroundAnchor
                ? (_r.Chance(0.5) ? first.Start - Duration.FromDays(_r.Long(1, 20 * 365)) : first.End + Duration.FromDays(_r.Long(0, 20 * 365)))
                : first.Start - Tick * _r.Long(1, Duration.FromDays(3 * 365).BclCompatibleTicks);
        }

        var w = _w;
        switch (_r.Weighted([80, 6, 4, 10]))
        {
            case 1 when !w.AroundAnchor:
                // The instant a version takes effect, or one tick either side of it (before it only when an earlier version is in force then).
                return w.Start + Tick * (ReferenceEquals(w, _g.Windows[0]) ? _r.Pick([0L, 0L, 1L]) : _r.Pick([0L, 0L, 1L, -1L]));
            case 2 when profile.Instants.Any(w.Contains):
                var named = profile.Instants.Where(w.Contains).ToArray();
                var at = _r.Pick(named) + Tick * _r.Pick([0L, 1L, -1L]);
                if (w.Contains(at)) return at;
                break;
            case 3 when w.AroundAnchor:
                // Anywhere in 2009-2036, near one of the zone's transitions (Samoa's skipped day is in 2011).
                _w = new AsOfWindow(WideFrom, WideTo, w.Version, AroundAnchor: true);
                var transitions = ZoneTransitions.Between(ZoneTransitions.Of(zone, Catalogue.TimeZones), WideFrom, WideTo - Duration.FromDays(30));
                if (transitions.Length == 0) return Uniform(_w);

                // Such a case also gets an edge in that transition (see PlanEdge).
                _nearTransition = PickTransition(transitions);
                return _nearTransition.Value.At + Duration.FromSeconds(_r.Long(-3 * 86400, 20 * 86400));
        }

        return Uniform(w);
    }

    private Instant Uniform(AsOfWindow w)
    {
        var seconds = (long)(w.End - w.Start).TotalSeconds;
        var at = w.Start + Duration.FromSeconds(_r.Long(0, Math.Max(0, seconds - 1)));
        return _r.Chance(0.2) ? at + Tick * _r.Long(1, NodaConstants.TicksPerSecond - 1) : at;
    }

    private int GrantCount()
    {
        var max = _g.Options.MaxGrants;
        if (_large) return _r.Int(Math.Min(1000, max), max);
        var n = _r.Weighted([6, 50, 34, 9, 1]) switch
        {
            0 => 0,
            1 => _r.Int(1, 3),
            2 => _r.Int(4, 8),
            3 => _r.Int(9, 40),
            _ => _r.Int(41, 200),
        };
        return Math.Min(n, max);
    }

    private DraftObject NewGrant()
    {
        var grant = new DraftObject(Contract.Grant);
        _grant = grant;

        // Id and kind first: the kind's defaults decide how its other attributes are given.
        foreach (var a in Contract.Grant.Attributes.Where(a => a.Structural is Structural.GrantId or Structural.GrantKind)) Fill(grant, a);
        foreach (var a in Contract.Grant.Attributes.Where(a => a.Structural is not (Structural.GrantId or Structural.GrantKind))) Fill(grant, a);
        _grant = null;
        return grant;
    }

    private DraftObject NewObject(EntityContract entity)
    {
        var o = new DraftObject(entity);
        foreach (var a in entity.Attributes) Fill(o, a);
        return o;
    }

    /// <summary>Gives an attribute a value, or leaves it absent, null or its default, as its declaration allows.</summary>
    private void Fill(DraftObject o, AttributeContract a)
    {
        if (a.Required || a.Structural != Structural.None)
        {
            o[a] = NewValue(o, a);
            return;
        }

        if (_r.Chance(0.98) && PresenceSays(a) is { } present)
        {
            o[a] = present ? NewValue(o, a) : Absent();
            return;
        }

        var dflt = KindDefault(o, a) ?? a.Default;
        if (dflt is not null)
        {
            var x = _r.Double();
            if (x < 0.4) o[a] = Absent();
            else if (x < 0.4 + _explicitDefaults) o[a] = DraftValue(dflt);
            else o[a] = NewValue(o, a);
            return;
        }

        o[a] = _r.Chance(a.Kind == AttributeKind.Object ? Math.Max(0.5, _presence) : _presence) ? NewValue(o, a) : Absent();
    }

    private object? Absent() => _r.Chance(_nulls) ? JsonNull.Value : null;

    /// <summary>The default the grant's kind gives this attribute (for example its source), if the object is a grant with one.</summary>
    private object? KindDefault(DraftObject o, AttributeContract a)
    {
        if (!ReferenceEquals(o.Entity, Contract.Grant)) return null;
        var kindAttribute = Contract.Grant.Attributes.FirstOrDefault(x => x.Structural == Structural.GrantKind);
        if (kindAttribute is null || o[kindAttribute] is not string kind) return null;
        return Contract.FindKind(kind)?.Defaults.TryGetValue(a.Name, out var value) == true ? value : null;
    }

    private static object? DraftValue(object value) => value switch
    {
        StringSet set => set.ToArray(),
        Instant instant => new When(instant, false),
        _ => value,
    };

    private object? NewValue(DraftObject o, AttributeContract a)
    {
        switch (a.Kind)
        {
            case AttributeKind.String:
                return a.Structural switch
                {
                    Structural.AccountId => Remember(Fit(AccountId(_large ? _r.Long(0, Math.Min(_g.Options.Accounts, 20) - 1) : AccountNumber()), a.MaxLength)),
                    Structural.GrantId => NewGrantId(a),
                    _ => NewString(a),
                };
            case AttributeKind.GrantId:
                return GrantIdInCase();
            case AttributeKind.Enum:
                return _r.Chance(0.4) ? a.Values![0] : _r.Pick(a.Values!);
            case AttributeKind.Kind:
                return _r.Pick(a.Values!);
            case AttributeKind.TimeZone:
                return _r.Pick(_g.Zones);
            case AttributeKind.Decimal:
                return Related(o, a) ?? NewDecimal(o, a);
            case AttributeKind.Integer:
                return Related(o, a) ?? NewInteger(a);
            case AttributeKind.Boolean:
                return _r.Chance(0.5);
            case AttributeKind.Instant:
                return Related(o, a) ?? new When(NewInstant(o, a), _r.Chance(_localShare));
            case AttributeKind.Date:
                return NewDate();
            case AttributeKind.Set:
                return NewSet(a);
            case AttributeKind.Object:
                return NewObject(a.Object!);
            default:
                throw new InvalidOperationException($"no generator for attribute type {a.Kind}");
        }
    }

    /// <summary>Most of the time, a value that meets a relation a declared check states for the attribute (a remaining at or below
    /// the amount, a confirmation at or after the issue); null when there is none, or the other value is absent.</summary>
    private object? Related(DraftObject o, AttributeContract a)
    {
        if (!_p.Relations.TryGetValue(a, out var relations) || !_r.Chance(0.98)) return null;
        var relation = _r.Pick(relations);
        var other = Other(relation);

        // Instants keep their edges (leap days, transitions, a period after another instant) when those meet the relation.
        if (a.Kind == AttributeKind.Instant && _r.Chance(0.4))
        {
            var edge = new When(NewInstant(o, a), _r.Chance(_localShare));
            if (other is When && Meets(edge, relation.Operator, other)) return edge;
        }

        return Derive(a, relation.Operator, other);
    }

    private object? Other(Relation relation) => relation.Constant ?? ValueOf(relation.Other);

    /// <summary>A value for the attribute that stands in relation <paramref name="op"/> to <paramref name="other"/>; null when none can be made.</summary>
    private object? Derive(AttributeContract a, string op, object? other)
    {
        if (a.Kind == AttributeKind.Decimal && other is long whole) other = (decimal)whole;
        try
        {
            switch (a.Kind, other)
            {
                case (AttributeKind.Decimal, decimal v):
                    var d = op switch
                    {
                        "<=" => _r.Chance(0.3) ? v : Fraction(v),
                        "<" => v - _r.Pick([0.01m, 1m, Math.Abs(v) / 2]),
                        ">=" => _r.Chance(0.3) ? v : v + Math.Abs(RandomDecimal(a)),
                        ">" => v + _r.Pick([0.01m, 1m]) + Math.Abs(Fraction(v)),
                        _ => v,
                    };
                    if (!InBounds(a, d) || !Holds(d.CompareTo(v), op)) return null;
                    _decimals.Add(d);
                    return d;
                case (AttributeKind.Integer, long or decimal):
                    var n = other is long l ? l : (long)Math.Round((decimal)other, MidpointRounding.ToZero);
                    var k = op switch
                    {
                        "<=" => n - _r.Pick([0L, 0L, 1L, _r.Long(0, 100)]),
                        "<" => n - _r.Pick([1L, _r.Long(1, 100)]),
                        ">=" => n + _r.Pick([0L, 0L, 1L, _r.Long(0, 100)]),
                        ">" => n + _r.Pick([1L, _r.Long(1, 100)]),
                        _ => n,
                    };
                    var lo = a.Minimum is { } min ? min : a.ExclusiveMinimum is { } xmin ? xmin + 1 : decimal.MinValue;
                    var compared = other is decimal c ? ((decimal)k).CompareTo(c) : k.CompareTo(n);
                    return k >= lo && (a.Maximum is not { } max || k <= max) && Holds(compared, op) ? k : null;
                case (AttributeKind.Instant, When w):
                    var t = w.Instant;
                    var days = Duration.FromDays(1);
                    var at = op switch
                    {
                        "<=" => _r.Weighted([10, 5, 25, 60]) switch
                        {
                            0 => t,
                            1 => t - Tick,
                            2 => t - Duration.FromSeconds(_r.Long(1, 10 * 86400)),
                            _ => t - days * _r.Long(1, 800) - Duration.FromSeconds(_r.Long(0, 86399)),
                        },
                        "<" => _r.Chance(0.1) ? t - Tick : t - days * _r.Long(0, 800) - Duration.FromSeconds(_r.Long(1, 86399)),
                        ">=" => _r.Weighted([15, 5, 30, 50]) switch
                        {
                            0 => t,
                            1 => t + Tick,
                            2 => t + Duration.FromSeconds(_r.Long(1, 10 * 86400)),
                            _ => t + days * _r.Long(1, 500) + Duration.FromSeconds(_r.Long(0, 86399)),
                        },
                        ">" => _r.Chance(0.1) ? t + Tick : t + days * _r.Long(0, 500) + Duration.FromSeconds(_r.Long(1, 86399)),
                        _ => t,
                    };
                    return at < Earliest || at > Latest ? null : new When(at, _r.Chance(_localShare));
                default:
                    return null;
            }
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>Whether a present value meets a relation with a present other value; true when either is absent or they do not compare.</summary>
    private static bool Meets(object? value, string op, object? other) => (value, other) switch
    {
        (decimal v, decimal o) => Holds(v.CompareTo(o), op),
        (long v, long o) => Holds(v.CompareTo(o), op),
        (long v, decimal o) => Holds(((decimal)v).CompareTo(o), op),
        (decimal v, long o) => Holds(v.CompareTo(o), op),
        (When v, When o) => Holds(v.Instant.CompareTo(o.Instant), op),
        _ => true,
    };

    private static bool Holds(int comparison, string op) => op switch
    {
        "<" => comparison < 0,
        "<=" => comparison <= 0,
        ">" => comparison > 0,
        ">=" => comparison >= 0,
        _ => comparison == 0,
    };

    /// <summary>Whether a declared check requires (true) or forbids (false) the attribute given the values so far; null when no check says.</summary>
    private bool? PresenceSays(AttributeContract a)
    {
        if (!_p.Presences.TryGetValue(a, out var rules)) return null;
        foreach (var rule in rules)
        {
            var value = ValueOf(rule.Condition);
            var holds = rule.Literal is { } literal ? value is string s && string.Equals(s, literal, StringComparison.Ordinal) : value is true;
            if (holds) return rule.Present;
        }

        return null;
    }

    private static string Flip(string op) => op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => op };

    private DraftObject? RootFor(MemberRoot root) => root switch
    {
        MemberRoot.Account => _d.Account,
        MemberRoot.Request => _requestBuilt ? _d.Request : null,
        _ => _grant,
    };

    /// <summary>After an attribute changed, redraws the attributes of the same object whose declared relations it now breaks
    /// (a confirmation now before a redrawn issue time), so one repair does not cause the next.</summary>
    private void RepairDependents(DraftObject o)
    {
        foreach (var b in o.Entity.Attributes)
        {
            if (o.Locked[b.Index] || o[b] is null or JsonNull || !_p.Relations.TryGetValue(b, out var relations)) continue;
            foreach (var relation in relations)
            {
                var other = Other(relation);
                if (Meets(o[b], relation.Operator, other)) continue;
                if (Derive(b, relation.Operator, other) is { } value) o[b] = value;
                break;
            }
        }
    }

    /// <summary>The value a member path names in the draft (null for c.AsOf is asOf itself); grant paths read the grant being built or repaired.</summary>
    private object? ValueOf(MemberPath? m)
    {
        if (m is null) return new When(_d.AsOf, false);
        var root = RootFor(m.Root);
        return root is not null && Locate(root, m.Members) is { } found ? found.Owner[found.Attribute] : null;
    }

    /// <summary>Writes the object's attributes (and those of its nested objects) in a random order: readers must not depend on it.</summary>
    private void Shuffle(DraftObject o)
    {
        var order = Enumerable.Range(0, o.Entity.Attributes.Count).ToArray();
        _r.Shuffle(order);
        o.Order = order;
        foreach (var v in o.Values)
        {
            if (v is DraftObject nested) Shuffle(nested);
        }
    }
}
