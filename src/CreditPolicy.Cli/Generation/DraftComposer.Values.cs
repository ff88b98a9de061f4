using System.Globalization;
using System.Text;
using CreditPolicy.Model.Contract;
using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>Values by declared type: strings and ids, sets, numbers, instants and dates.</summary>
internal sealed partial class DraftComposer
{
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
}
