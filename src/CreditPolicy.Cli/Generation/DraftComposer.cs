using System.Buffers;
using System.Globalization;
using System.Text;
using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>Builds one case for a <see cref="CaseGenerator"/> from one random stream: values by declared type, calendar edges,
/// then read back against the catalogue and repaired until valid.</summary>
internal sealed class DraftComposer
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

    // ---- Strings and ids -------------------------------------------------------------------------------------------

    private long AccountNumber()
    {
        var n = (long)_g.Options.Accounts;
        return _r.Weighted([60, 30, 10]) switch
        {
            0 => _r.Long(0, n - 1),
            1 => _r.Long(0, Math.Max(1, n / 100) - 1),
            _ => _r.Long(0, Math.Min(n, 50) - 1),
        };
    }

    /// <summary>The id of account number <paramref name="n"/>: mostly <c>acct_n</c>, some upper-case, numeric or non-ASCII, always the same for the same number.</summary>
    internal static string AccountId(long n) => (n % 16) switch
    {
        0 => "ACCT_" + n.ToString(CultureInfo.InvariantCulture),
        1 => "acct_" + n.ToString(CultureInfo.InvariantCulture) + "é",
        2 => n.ToString(CultureInfo.InvariantCulture),
        3 => "acct-" + n.ToString(CultureInfo.InvariantCulture),
        _ => "acct_" + n.ToString(CultureInfo.InvariantCulture),
    };

    private string NewGrantId(AttributeContract a)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            string id;
            if (!_large && _r.Chance(0.35))
            {
                id = _r.Pick(EdgeIds);
            }
            else
            {
                var n = (++_grantSerial).ToString(CultureInfo.InvariantCulture);
                id = _idStyle switch
                {
                    0 => "g" + n,
                    1 => "g" + n.PadLeft(5, '0'),
                    2 => "G" + n,
                    3 => n,
                    4 => "grant-" + n,
                    _ => "g." + n,
                };
            }

            id = Fit(id, a.MaxLength);
            if (_grantIds.Add(id)) return id;
        }

        // Unique whatever the length limit: the serial in base 36, cut from the left.
        var serial = ToBase36(++_grantSerial + 1_000_000);
        var unique = serial.Length <= a.MaxLength ? serial : serial[^a.MaxLength..];
        _grantIds.Add(unique);
        return unique;
    }

    private string? GrantIdInCase()
    {
        if (_d.Grants.Count == 0) return null;
        var idAttribute = Contract.Grant.Attributes.First(x => x.Structural == Structural.GrantId);
        return _d.Grants[_r.Below(_d.Grants.Count)][idAttribute] as string;
    }

    private string NewString(AttributeContract a)
    {
        // Often a string already in the case (the account id above all): how ids that rules compare end up equal.
        if (_strings.Count > 0 && _r.Chance(_coherence))
        {
            var s = _r.Chance(0.65) ? _strings[0] : _r.Pick(_strings);
            if (s.Length <= a.MaxLength) return s;
        }

        if (_p.Strings.Count > 0 && _r.Chance(0.2))
        {
            var s = _r.Pick(_p.Strings);
            if (s.Length <= a.MaxLength) return Remember(s);
        }

        return Remember(Fit(FreshString(a.MaxLength), a.MaxLength));
    }

    private string FreshString(int maxLength) => _r.Below(100) switch
    {
        < 35 => AccountId(AccountNumber()),
        < 55 => NearDuplicate(_strings.Count > 0 ? _r.Pick(_strings) : AccountId(AccountNumber())),
        < 75 => _r.Pick(EdgeStrings),
        < 97 => Word(_r.Int(1, 12)),
        _ => _large ? Word(8) : LongText(maxLength),
    };

    private string NearDuplicate(string s) => _r.Below(7) switch
    {
        0 => AsciiUpper(s),
        1 => s + "0",
        2 => s.Replace('_', '-'),
        3 => s + " ",
        4 => s.Replace("é", "e\u0301", StringComparison.Ordinal) + (s.Contains('é', StringComparison.Ordinal) ? "" : "\u0301"),
        5 => DropLast(s),
        _ => AsciiLower(s),
    };

    /// <summary>The string without its last character (a surrogate pair counts as one); doubled when nothing would remain.</summary>
    private static string DropLast(string s)
    {
        var cut = s.Length - (s.Length >= 2 && char.IsLowSurrogate(s[^1]) ? 2 : 1);
        return cut > 0 ? s[..cut] : s + s;
    }

    private string Word(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = WordChars[_r.Below(WordChars.Length)];
        return new string(chars);
    }

    /// <summary>A string of exactly <paramref name="length"/> characters, some of them not ASCII.</summary>
    private static string LongText(int length)
    {
        var sb = new StringBuilder(length);
        while (sb.Length < length) sb.Append(sb.Length % 37 == 36 ? 'é' : (char)('a' + sb.Length % 26));
        return sb.ToString();
    }

    private string Remember(string s)
    {
        if (_strings.Count < 64 && _stringSet.Add(s)) _strings.Add(s);
        return s;
    }

    /// <summary>The string cut to at most <paramref name="maxLength"/> characters without splitting a surrogate pair; never empty.</summary>
    private static string Fit(string s, int maxLength)
    {
        if (s.Length <= maxLength) return s.Length == 0 ? "x" : s;
        var cut = maxLength;
        if (cut > 0 && char.IsHighSurrogate(s[cut - 1])) cut--;
        return cut > 0 ? s[..cut] : "x";
    }

    private static string AsciiUpper(string s) => string.Create(s.Length, s, (span, src) =>
    {
        for (var i = 0; i < src.Length; i++) span[i] = src[i] is >= 'a' and <= 'z' ? (char)(src[i] - 32) : src[i];
    });

    private static string AsciiLower(string s) => string.Create(s.Length, s, (span, src) =>
    {
        for (var i = 0; i < src.Length; i++) span[i] = src[i] is >= 'A' and <= 'Z' ? (char)(src[i] + 32) : src[i];
    });

    private static string ToBase36(long n)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var sb = new StringBuilder();
        do
        {
            sb.Insert(0, digits[(int)(n % 36)]);
            n /= 36;
        }
        while (n > 0);
        return sb.ToString();
    }

    private string[] NewSet(AttributeContract a)
    {
        var max = a.MaxItems;
        var count = _r.Weighted([30, 45, 15, 5]) switch
        {
            0 => 0,
            1 => _r.Int(1, 3),
            2 => _r.Int(4, Math.Max(4, Math.Min(max, 10))),
            _ => Math.Min(max, 64),
        };
        count = Math.Min(count, _large ? 3 : max);
        if (a.Values is { } values)
        {
            var pool = values.ToList();
            _r.Shuffle(pool);
            return pool.Take(Math.Min(count, pool.Count)).ToArray();
        }

        var items = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; items.Count < count && attempt < count * 3 + 3; attempt++)
        {
            var s = _p.Strings.Count > 0 && _r.Chance(0.3) ? _r.Pick(_p.Strings)
                : _strings.Count > 0 && _r.Chance(0.3) ? _r.Pick(_strings)
                : FreshString(a.MaxLength);
            s = Fit(s, a.MaxLength);
            if (seen.Add(s)) items.Add(s);
        }

        return items.ToArray();
    }

    // ---- Numbers ---------------------------------------------------------------------------------------------------

    private decimal NewDecimal(DraftObject o, AttributeContract a)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var v = DecimalCandidate(o, a);
            if (v is { } value && InBounds(a, value))
            {
                _decimals.Add(value);
                return value;
            }
        }

        var fallback = Between(a);
        _decimals.Add(fallback);
        return fallback;
    }

    private decimal? DecimalCandidate(DraftObject o, AttributeContract a)
    {
        try
        {
            var x = _r.Below(100);
            if (x < 14 && Siblings(o, a, AttributeKind.Decimal) is { Count: > 0 } siblings)
            {
                var v = (decimal)_r.Pick(siblings)!;
                return _r.Chance(0.3) ? Fraction(v) : v;
            }

            if (x < 22 && _decimals.Count > 0)
            {
                var v = _r.Pick(_decimals);
                return _r.Chance(0.3) ? Fraction(v) : v;
            }

            if (x < 27 && _d.Grants.Count > 0 && !ReferenceEquals(o.Entity, Contract.Grant)) return SumOfRemaining();
            if (x < 31 && _p.Decimals.Count > 0) return _r.Pick(_p.Decimals) + _r.Pick([0m, 0m, 0.01m, -0.01m]);
            if (x < 38) return BoundEdge(a);
            return RandomDecimal(a);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>A decimal of a random scale (0 to 12 places, 2 most often) and size, negative only where the bounds allow.</summary>
    private decimal RandomDecimal(AttributeContract a)
    {
        var scale = _r.Weighted([15, 5, 55, 6, 8, 6, 2]) switch
        {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => 3,
            4 => 4,
            5 => _r.Int(5, 8),
            _ => _r.Int(9, 12),
        };
        var size = _r.Weighted([30, 55, 12, 3]);
        long units = size switch { 0 => 100, 1 => 50_000, 2 => 100_000_000, _ => 0 };
        if (units >= 100_000_000 && scale > 8) scale = 8;
        var pow = Pow10(scale);
        var mantissa = units == 0 ? _r.Long(1, Math.Max(1, pow - 1)) : _r.Long(0, (units + 1) * pow - 1);
        var negative = (a.Minimum is null or < 0m) && (a.ExclusiveMinimum is null or < 0m) && _r.Chance(0.1);
        return new decimal((int)(uint)mantissa, (int)(uint)((ulong)mantissa >> 32), 0, negative, (byte)scale);
    }

    private decimal BoundEdge(AttributeContract a)
    {
        var edges = new List<decimal> { 0m, 0.01m, 1m };
        if (a.Minimum is { } min) edges.Add(min);
        if (a.ExclusiveMinimum is { } xmin)
        {
            edges.Add(xmin + 0.01m);
            edges.Add(xmin + 0.0001m);
            edges.Add(xmin + 1m);
        }

        if (a.Maximum is { } max)
        {
            edges.Add(max);
            edges.Add(max - 0.01m);
        }

        return _r.Pick(edges);
    }

    /// <summary>A value surely within the attribute's bounds.</summary>
    private decimal Between(AttributeContract a)
    {
        var lo = a.Minimum ?? (a.ExclusiveMinimum is { } x ? x + 0.01m : 0m);
        var hi = a.Maximum ?? lo + 1000m;
        if (hi <= lo) return a.Maximum ?? lo;
        var v = lo + Math.Round((hi - lo) * _r.Int(0, 100) / 100m, 2, MidpointRounding.ToZero);
        return InBounds(a, v) ? v : hi;
    }

    private static bool InBounds(AttributeContract a, decimal v) =>
        (a.Minimum is not { } min || v >= min) && (a.ExclusiveMinimum is not { } xmin || v > xmin) && (a.Maximum is not { } max || v <= max);

    private decimal Fraction(decimal v) => Math.Round(v * _r.Int(0, 100) / 100m, Scale(v), MidpointRounding.ToZero);

    private decimal SumOfRemaining()
    {
        var remaining = Contract.Grant.Attributes.First(x => x.Structural == Structural.GrantRemaining);
        var all = _r.Chance(0.4);
        var sum = 0m;
        foreach (var g in _d.Grants)
        {
            if ((all || _r.Chance(0.5)) && g[remaining] is decimal d) sum += d;
        }

        return sum;
    }

    private static int Scale(decimal v) => (decimal.GetBits(v)[3] >> 16) & 0xFF;

    private static long Pow10(int n)
    {
        var p = 1L;
        for (var i = 0; i < n; i++) p *= 10;
        return p;
    }

    private long NewInteger(AttributeContract a)
    {
        var lo = a.Minimum is { } min ? ToLong(Math.Ceiling(min)) : a.ExclusiveMinimum is { } xmin ? ToLong(Math.Floor(xmin)) + 1 : long.MinValue / 2;
        var hi = a.Maximum is { } max ? ToLong(Math.Floor(max)) : long.MaxValue / 2;
        var bounded = a.Minimum is not null || a.ExclusiveMinimum is not null;
        long v = _r.Below(100) switch
        {
            < 10 when bounded => lo,
            < 18 when a.Maximum is not null => hi,
            < 26 when _p.Integers.Count > 0 => _r.Pick(_p.Integers),
            < 36 => 0,
            < 46 => 1,
            < 80 => _r.Long(0, 10),
            < 92 => _r.Long(0, 1000),
            < 97 => _r.Long(0, 1_000_000_000),
            _ => _r.Long(-1000, -1),
        };
        return hi < lo ? hi : Math.Clamp(v, lo, hi);
    }

    private static long ToLong(decimal d) => d >= long.MaxValue / 2 ? long.MaxValue / 2 : d <= long.MinValue / 2 ? long.MinValue / 2 : (long)d;

    private static List<object?>? Siblings(DraftObject o, AttributeContract a, AttributeKind kind)
    {
        List<object?>? found = null;
        foreach (var x in o.Entity.Attributes)
        {
            if (x.Kind != kind || ReferenceEquals(x, a)) continue;
            var v = o[x];
            if (v is decimal or When) (found ??= []).Add(v);
        }

        return found;
    }

    // ---- Time ------------------------------------------------------------------------------------------------------

    private Instant NewInstant(DraftObject o, AttributeContract a)
    {
        var asOf = _d.AsOf;
        var zone = _d.Zone;
        Instant v;
        switch (_r.Weighted([38, 17, 8, 12, 5, 7, 6, 3, 4]))
        {
            case 1 when Siblings(o, a, AttributeKind.Instant) is { Count: > 0 } siblings:
                var s = ((When)_r.Pick(siblings)!).Instant;
                v = _r.Weighted([40, 10, 30, 20]) switch
                {
                    0 => s,
                    1 => s + Tick,
                    2 => s + Duration.FromSeconds(_r.Long(1, 10 * 86400)),
                    _ => s - Duration.FromSeconds(_r.Long(1, 10 * 86400)),
                };
                break;
            case 2:
                v = asOf + Tick * _r.Pick([-1L, 0L, 0L, 1L]);
                break;
            case 3:
                v = asOf + Duration.FromSeconds(_r.Long(1, 400 * 86400));
                break;
            case 4:
                v = LeapDay(asOf, zone);
                break;
            case 5:
                v = InTransition(asOf, zone) ?? Past(asOf);
                break;
            case 6 when _p.Periods.Count > 0:
                var from = Siblings(o, a, AttributeKind.Instant) is { Count: > 0 } others && _r.Chance(0.7) ? ((When)_r.Pick(others)!).Instant : asOf;
                var period = _r.Pick(_p.Periods);
                var local = from.InZone(zone).LocalDateTime;
                v = (_r.Chance(0.5) ? local.Plus(period) : local.Minus(period)).InZoneLeniently(zone).ToInstant();
                break;
            case 7 when _p.Instants.Count > 0:
                v = _r.Pick(_p.Instants) + Tick * _r.Pick([-1L, 0L, 1L]);
                break;
            case 8:
                v = asOf.InZone(zone).Date.PlusDays(_r.Int(-400, 30)).AtMidnight().InZoneLeniently(zone).ToInstant();
                break;
            default:
                v = Past(asOf);
                break;
        }

        return v < Earliest ? Earliest + Duration.FromSeconds(_r.Long(0, 86400)) : v > Latest ? Latest : v;
    }

    private Instant Past(Instant asOf)
    {
        var at = asOf - Duration.FromSeconds(_r.Long(0, 800 * 86400));
        return _r.Chance(0.2) ? at - Tick * _r.Long(1, NodaConstants.TicksPerSecond - 1) : at;
    }

    /// <summary>An instant on a local February 29 of one of the last eight years.</summary>
    private Instant LeapDay(Instant asOf, DateTimeZone zone)
    {
        var year = asOf.InZone(zone).Year;
        var leap = Enumerable.Range(year - 8, 9).Where(CalendarSystem.Iso.IsLeapYear).ToArray();
        var y = _r.Pick(leap);
        return new LocalDate(y, 2, 29).At(new LocalTime(_r.Int(0, 23), _r.Int(0, 59))).InZoneLeniently(zone).ToInstant();
    }

    /// <summary>An instant whose local time plus one of the rules' periods falls in a daylight-saving gap or overlap of the zone (or in it, when the rules declare no period).</summary>
    private Instant? InTransition(Instant asOf, DateTimeZone zone)
    {
        var all = ZoneTransitions.Of(zone, Catalogue.TimeZones);
        var near = ZoneTransitions.Between(all, asOf - Duration.FromDays(3 * 365), asOf + Duration.FromDays(365));
        if (near.Length == 0) return null;
        var t = PickTransition(near);
        var local = t.FirstLocal.PlusTicks(_r.Long(0, t.Span.BclCompatibleTicks - 1));
        if (_p.Periods.Count > 0) local = local.Minus(_r.Pick(_p.Periods));
        return local.InZoneLeniently(zone).ToInstant();
    }

    /// <summary>A transition of the span, the largest one (a skipped day, a two-hour shift) a third of the time.</summary>
    private Transition PickTransition(ReadOnlySpan<Transition> transitions)
    {
        if (!_r.Chance(1.0 / 3)) return transitions[_r.Below(transitions.Length)];
        var largest = transitions[0];
        foreach (var t in transitions)
        {
            if (t.Span > largest.Span) largest = t;
        }

        return largest;
    }

    private LocalDate NewDate()
    {
        var today = _d.AsOf.InZone(_d.Zone).Date;
        return _r.Weighted([45, 15, 10, 10, 10, 10]) switch
        {
            0 => today.PlusDays(_r.Int(-730, 60)),
            1 => today,
            2 => today.PlusDays(_r.Pick([-1, 1])),
            3 => new LocalDate(_r.Pick(Enumerable.Range(today.Year - 8, 9).Where(CalendarSystem.Iso.IsLeapYear).ToArray()), 2, 29),
            4 when _p.Dates.Count > 0 => _r.Pick(_p.Dates).PlusDays(_r.Int(-1, 1)),
            _ => today.PlusDays(_r.Int(-3650, 3650)),
        };
    }

    /// <summary>Plans a calendar edge the rules declare: "an instant plus a period, in the account's zone" falling exactly at,
    /// one tick before or one tick after asOf. The instant is chosen so that the edge falls at the asOf already drawn, in a
    /// daylight-saving gap or overlap of the zone, or a period after a leap day; asOf moves onto the edge now, before the
    /// grants are drawn around it, and the instant is given to an object once it exists (<see cref="ApplyEdge"/>).</summary>
    private void PlanEdge()
    {
        var site = _r.Pick(_p.Sites);
        var zone = SiteZone(site);
        var period = site.Period;
        Instant start;
        switch (_nearTransition is null ? _r.Weighted([60, 25, 15]) : 1)
        {
            case 1:
                var transitions = ZoneTransitions.Between(ZoneTransitions.Of(zone, Catalogue.TimeZones), Max(_w.Start, _d.AsOf - Duration.FromDays(365)), Min(_w.End, _d.AsOf + Duration.FromDays(365)));
                if (_nearTransition is null && transitions.Length == 0) return;
                var t = _nearTransition ?? PickTransition(transitions);
                start = t.FirstLocal.PlusTicks(_r.Long(0, t.Span.BclCompatibleTicks - 1)).Minus(period).InZoneLeniently(zone).ToInstant();
                break;
            case 2:
                var first = _w.Start.InZone(zone).Year - 6;
                var years = Enumerable.Range(first, _w.End.InZone(zone).Year - first + 1).Where(CalendarSystem.Iso.IsLeapYear).ToArray();
                if (years.Length == 0) return;
                start = new LocalDate(_r.Pick(years), 2, 29).At(new LocalTime(_r.Int(0, 23), _r.Int(0, 59))).InZoneLeniently(zone).ToInstant();
                break;
            default:
                start = _d.AsOf.InZone(zone).LocalDateTime.Minus(period).InZoneLeniently(zone).ToInstant();
                break;
        }

        var edge = start.InZone(zone).LocalDateTime.Plus(period).InZoneLeniently(zone).ToInstant();
        var asOf = edge + Tick * _r.Pick([-1L, 0L, 0L, 1L]);
        if (start < Earliest || !_w.Contains(asOf) || (!_pinned && !ReferenceEquals(Catalogue.InForceAt(asOf), _version))) return;
        _d.AsOf = asOf;
        _plannedEdge = (site, start);
    }

    /// <summary>Gives the planned edge's instant to the member its calendar call starts from (the first one present, as
    /// with <c>??</c>) of a grant (or the account or request), and holds it and asOf while the case is repaired.</summary>
    private void ApplyEdge()
    {
        if (_plannedEdge is not { } plan) return;
        var rootKind = plan.Site.Start[0].Root;
        var root = rootKind switch
        {
            MemberRoot.Grant => _d.Grants.Count > 0 ? _d.Grants[_r.Below(_d.Grants.Count)] : null,
            MemberRoot.Account => _d.Account,
            _ => _d.Request,
        };
        if (root is null) return;
        var chain = new List<(DraftObject Owner, AttributeContract Attribute)>();
        foreach (var m in plan.Site.Start)
        {
            if (m.Root != rootKind || Locate(root, m.Members) is not { } found || found.Attribute.Kind != AttributeKind.Instant) continue;
            chain.Add(found);
        }

        if (chain.Count == 0) return;
        var target = chain.FirstOrDefault(c => c.Owner[c.Attribute] is When);
        if (target.Owner is null) target = chain[0];
        target.Owner[target.Attribute] = new When(plan.Start, _r.Chance(_localShare));
        target.Owner.Locked[target.Attribute.Index] = true;
        _d.AsOfLocked = true;

        // The attributes a check relates to the edge's instant follow it (an issue time not after the confirmation).
        _grant = rootKind == MemberRoot.Grant ? root : null;
        FixPartners(target.Owner, target.Attribute);
        RepairDependents(target.Owner);
        _grant = null;
    }

    private DateTimeZone SiteZone(PeriodSite site)
    {
        if (site.ZoneId is { } id) return Catalogue.TimeZones.Find(id) ?? _d.Zone;
        if (site.Zone is { Root: MemberRoot.Account } m && Locate(_d.Account, m.Members) is { } found)
        {
            var value = found.Owner[found.Attribute] as string ?? found.Attribute.Default as string;
            return Catalogue.TimeZones.Find(value) ?? _d.Zone;
        }

        return _d.Zone;
    }

    /// <summary>The object and attribute a member path names from a root object, walking nested objects that are present.</summary>
    private static (DraftObject Owner, AttributeContract Attribute)? Locate(DraftObject root, IReadOnlyList<string> members)
    {
        if (VersionProfile.Resolve(root.Entity, members) is not { } resolved) return null;
        var owner = root;
        foreach (var through in resolved.Through)
        {
            if (owner[through] is not DraftObject nested) return null;
            owner = nested;
        }

        return (owner, resolved.Attribute);
    }

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;

    private static Instant Min(Instant a, Instant b) => a < b ? a : b;

    // ---- Reading back and repairing --------------------------------------------------------------------------------

    /// <summary>Writes and reads the draft, repairing what the reader names, until it reads valid or the rounds run out.</summary>
    private CreditCase? Settle(int rounds, out string? failure)
    {
        failure = null;
        for (var round = 0; round < rounds; round++)
        {
            if (ReadBack() is not { } read)
            {
                TrimGrants();
                continue;
            }

            if (read.IsValid) return read.Case!;
            failure = string.Join("; ", read.Problems.Take(5));
            if (!Repair(read.Problems, round)) return null;
        }

        return null;
    }

    private bool Repair(IReadOnlyList<CaseProblem> problems, int round)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var problem in problems)
        {
            if (!seen.Add(problem.Path)) continue;
            var target = _d.Resolve(problem.Path);
            switch (target.Kind)
            {
                case PathKind.AsOf:
                    _d.Unlock();
                    _d.AsOf = Uniform(_w);
                    if (!_pinned && !ReferenceEquals(Catalogue.InForceAt(_d.AsOf), _version)) return false;
                    break;
                case PathKind.Pin:
                    return false;
                case PathKind.Attribute:
                    var (o, a) = (target.Owner!, target.Attribute!);
                    _grant = target.Grant;
                    if (o.Locked[a.Index])
                    {
                        if (!RepairSibling(o, a)) _d.Unlock();
                    }
                    else
                    {
                        RepairAttribute(o, a, round);
                        RepairDependents(o);
                    }

                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    private void RepairAttribute(DraftObject o, AttributeContract a, int round)
    {
        if (a.Kind == AttributeKind.GrantId)
        {
            o[a] = GrantIdInCase() ?? (a.Required ? o[a] : null);
            return;
        }

        if (a.Structural == Structural.GrantId)
        {
            o[a] = NewGrantId(a);
            return;
        }

        var optional = !a.Required && a.Structural == Structural.None;
        if (optional && PresenceSays(a) is { } present)
        {
            o[a] = present ? NewValue(o, a) : null;
            return;
        }

        if (optional && _r.Chance(round < 3 ? 0.35 : 0.6))
        {
            o[a] = null;
            return;
        }

        o[a] = NewValue(o, a);
    }

    /// <summary>A problem names an attribute a calendar edge holds: change another attribute of the same type in the same object instead (an issue time before the confirmation the edge is counted from).</summary>
    private bool RepairSibling(DraftObject o, AttributeContract locked) => FixPartners(o, locked) || RedrawSibling(o, locked);

    /// <summary>Redraws the attributes of the same object that a relation of <paramref name="held"/> names and that it breaks; true when one was changed.</summary>
    private bool FixPartners(DraftObject o, AttributeContract held)
    {
        var changed = false;
        if (_p.Relations.TryGetValue(held, out var relations))
        {
            foreach (var relation in relations)
            {
                if (relation.Other is not { } m || RootFor(m.Root) is not { } root || Locate(root, m.Members) is not { } partner
                    || !ReferenceEquals(partner.Owner, o) || o.Locked[partner.Attribute.Index] || Meets(o[held], relation.Operator, o[partner.Attribute]))
                {
                    continue;
                }

                if (Derive(partner.Attribute, Flip(relation.Operator), o[held]) is { } value)
                {
                    o[partner.Attribute] = value;
                    changed = true;
                }
            }
        }

        return changed;
    }

    private bool RedrawSibling(DraftObject o, AttributeContract locked)
    {

        var candidates = o.Entity.Attributes.Where(x => x.Kind == locked.Kind && !o.Locked[x.Index] && x.Structural == Structural.None).ToArray();
        if (candidates.Length == 0) return false;
        var s = _r.Pick(candidates);
        if (o[locked] is When held && s.Kind == AttributeKind.Instant)
        {
            var at = held.Instant;
            o[s] = new When(_r.Weighted([40, 40, 20]) switch
            {
                0 => at,
                1 => at - Duration.FromSeconds(_r.Long(1, 10 * 86400)),
                _ => at + Duration.FromSeconds(_r.Long(1, 10 * 86400)),
            }, _r.Chance(_localShare));
        }
        else if (!s.Required && _r.Chance(0.3))
        {
            o[s] = null;
        }
        else
        {
            o[s] = NewValue(o, s);
        }

        return true;
    }

    /// <summary>Drops most optional attributes: the fallback when a draft will not settle.</summary>
    private void Simplify()
    {
        void Drop(DraftObject o)
        {
            foreach (var a in o.Entity.Attributes)
            {
                if (o[a] is DraftObject nested) Drop(nested);
                if (!a.Required && a.Structural == Structural.None && a.Kind != AttributeKind.GrantId && _r.Chance(0.7)) o[a] = null;
            }
        }

        Drop(_d.Account);
        foreach (var g in _d.Grants) Drop(g);
        Drop(_d.Request);
    }

    /// <summary>Repeats the grants of a large account's valid draft under new ids until it has as many as were drawn.</summary>
    private void Expand()
    {
        var idAttribute = Contract.Grant.Attributes.First(x => x.Structural == Structural.GrantId);
        var templates = _d.Grants.ToArray();
        for (var i = 0; _d.Grants.Count < _expandTo; i++)
        {
            var copy = templates[i % templates.Length].Clone();
            copy.Unlock();
            copy[idAttribute] = NewGrantId(idAttribute);
            _d.Grants.Add(copy);
        }
    }

    /// <summary>Halves the grants of a case that would exceed the case size limit, keeping the request's grant references valid.</summary>
    private void TrimGrants()
    {
        _d.Grants.RemoveRange(_d.Grants.Count / 2, _d.Grants.Count - _d.Grants.Count / 2);
        var idAttribute = Contract.Grant.Attributes.First(x => x.Structural == Structural.GrantId);
        var ids = new HashSet<string>(_d.Grants.Select(g => (string)g[idAttribute]!), StringComparer.Ordinal);
        foreach (var a in _d.Request.Entity.Attributes.Where(x => x.Kind == AttributeKind.GrantId))
        {
            if (_d.Request[a] is string id && !ids.Contains(id)) _d.Request[a] = GrantIdInCase();
        }
    }

    // ---- Edges that need the rules' view of the case ---------------------------------------------------------------

    /// <summary>With the grant rules run on the valid case: asOf moved exactly onto (or a tick around) a grant's expiry as the
    /// rules compute it, and an amount the rules compare with the available balance set to exactly that balance (plus
    /// the amounts beside it, such as pending reloads), or one cent either side. Each kept only when the case stays valid.</summary>
    private void BalanceAndExpiryEdges(CreditCase @case)
    {
        if (RulesView(@case) is not { } view) return;
        if (!_d.AsOfLocked && view.Expiries.Length > 0 && _r.Chance(0.35))
        {
            var before = _d.AsOf;
            var at = _r.Pick(view.Expiries) + Tick * _r.Pick([-1L, 0L, 0L, 1L]);
            if (_w.Contains(at) && (_pinned || ReferenceEquals(Catalogue.InForceAt(at), _version)))
            {
                _d.AsOf = at;
                if (TryRead() is { } moved && RulesView(moved) is { } again)
                {
                    view = again;
                }
                else
                {
                    _d.AsOf = before;
                }
            }
        }

        if (!_r.Chance(0.7)) return;
        var amounts = new List<(DraftObject Owner, AttributeContract Attribute)>();
        foreach (var m in _p.NearAvailable)
        {
            var root = m.Root switch { MemberRoot.Account => _d.Account, MemberRoot.Request => _d.Request, _ => null };
            if (root is not null && Locate(root, m.Members) is { } found && found.Attribute.Kind == AttributeKind.Decimal && found.Attribute.Structural == Structural.None)
            {
                amounts.Add(found);
            }
        }

        if (amounts.Count == 0) return;
        var (owner, attribute) = _r.Pick(amounts);
        var value = view.Available;
        foreach (var (o, a) in amounts)
        {
            if (ReferenceEquals(o, owner) && !ReferenceEquals(a, attribute) && o[a] is decimal beside && _r.Chance(0.5)) value += beside;
        }

        value += _r.Pick([0m, 0m, 0m, 0m, 0.01m, -0.01m]);
        if (!InBounds(attribute, value)) return;
        var previous = owner[attribute];
        owner[attribute] = value;
        if (TryRead() is null) owner[attribute] = previous;
    }

    private CreditCase? TryRead() => ReadBack() is { IsValid: true } read ? read.Case : null;

    /// <summary>Writes the draft as UTF-8 (into a pooled buffer, so a large account's megabytes are not allocated afresh on
    /// each round) and reads it back against the catalogue; null when it is longer than a case may be.</summary>
    private CaseReadResult? ReadBack()
    {
        _d.WriteTo(_sb);
        var buffer = ArrayPool<byte>.Shared.Rent(Utf8.GetMaxByteCount(_sb.Length));
        try
        {
            // One encoder across chunks: a surrogate pair may straddle two.
            var encoder = Utf8.GetEncoder();
            var length = 0;
            foreach (var chunk in _sb.GetChunks()) length += encoder.GetBytes(chunk.Span, buffer.AsSpan(length), flush: false);
            length += encoder.GetBytes([], buffer.AsSpan(length), flush: true);
            return length > CaseLimits.MaxBytes - 1024 ? null : Catalogue.ReadCase(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>What the version's grant rules make of the case: the available balance and each grant's expiry; null when a rule fails.</summary>
    private (decimal Available, Instant[] Expiries)? RulesView(CreditCase @case)
    {
        if (Catalogue.VersionFor(@case) is not { } set || !ReferenceEquals(@case.Contract, set.Contract)) return null;
        try
        {
            StepBudget.Begin(StepBudget.DefaultLimit);
            var facts = set.Facts.Create(@case, set, c => PolicyEvaluator.RunGrantRules(set, c, null, null));
            var available = facts.Available;
            var expiries = facts.GrantArray.Where(g => g.HasExpiry && g.Expiry != Instant.MaxValue).Select(g => g.Expiry).ToArray();
            return (available, expiries);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    private T Pick<T>(params T[] items) => _r.Pick(items);
}
