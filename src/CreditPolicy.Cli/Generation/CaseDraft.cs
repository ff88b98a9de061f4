using System.Globalization;
using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model.Contract;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Cli.Generation;

/// <summary>An optional attribute written as an explicit JSON <c>null</c> (which reads as absent).</summary>
internal sealed class JsonNull
{
    public static readonly JsonNull Value = new();

    private JsonNull()
    {
    }
}

/// <summary>An instant as a draft writes it: in UTC (<c>Z</c>) or with the offset of the account's zone at that instant.</summary>
internal readonly record struct When(Instant Instant, bool Local);

/// <summary>One object of a case being generated (the account, a grant, the request's fields, or an object nested in one), by its entity's declared attributes.</summary>
/// <remarks>
/// Values by attribute index: null for absent, <see cref="JsonNull"/>, <see cref="string"/> (strings, enums, kinds, zones,
/// grant ids), <see cref="decimal"/>, <see cref="long"/>, <see cref="bool"/>, <see cref="When"/>, <see cref="LocalDate"/>,
/// <c>string[]</c> (a set) or a nested <see cref="DraftObject"/>.
/// </remarks>
internal sealed class DraftObject(EntityContract entity)
{
    public EntityContract Entity { get; } = entity;

    public object?[] Values { get; private init; } = new object?[entity.Attributes.Count];

    /// <summary>Attributes a calendar edge set, which repairs leave alone while the edge holds.</summary>
    public bool[] Locked { get; private init; } = new bool[entity.Attributes.Count];

    /// <summary>The order attributes are written in (indexes); null for declaration order.</summary>
    public int[]? Order { get; set; }

    public object? this[AttributeContract a]
    {
        get => Values[a.Index];
        set => Values[a.Index] = value;
    }

    public DraftObject Clone() => new(Entity)
    {
        Values = Values.Select(v => v is DraftObject o ? o.Clone() : v).ToArray(),
        Locked = (bool[])Locked.Clone(),
        Order = Order,
    };

    public void Unlock()
    {
        Array.Clear(Locked);
        foreach (var v in Values)
        {
            if (v is DraftObject o) o.Unlock();
        }
    }
}

/// <summary>A case being generated: the values of a version's vocabulary, written as the contract's JSON and read back against the catalogue until it is valid.</summary>
internal sealed class CaseDraft
{
    public required Instant AsOf { get; set; }

    public bool AsOfLocal { get; set; }

    public bool AsOfLocked { get; set; }

    /// <summary>The terms version the account pins (<c>account.termsVersion</c>), or null.</summary>
    public string? Pin { get; set; }

    public required DraftObject Account { get; set; }

    public List<DraftObject> Grants { get; set; } = [];

    public required string RequestType { get; set; }

    public required DraftObject Request { get; set; }

    /// <summary>The zone local offsets are written in.</summary>
    public DateTimeZone Zone { get; set; } = DateTimeZone.Utc;

    /// <summary>Write non-ASCII characters of strings as <c>\uXXXX</c> escapes.</summary>
    public bool EscapeNonAscii { get; set; }

    /// <summary>The order of the four envelope fields: an index into the permutations of asOf, account, grants, request.</summary>
    public int EnvelopeOrder { get; set; }

    /// <summary>Write <c>request.type</c> after the request's fields rather than first.</summary>
    public bool TypeLast { get; set; }

    public CaseDraft Clone() => new()
    {
        AsOf = AsOf,
        AsOfLocal = AsOfLocal,
        AsOfLocked = AsOfLocked,
        Pin = Pin,
        Account = Account.Clone(),
        Grants = Grants.Select(g => g.Clone()).ToList(),
        RequestType = RequestType,
        Request = Request.Clone(),
        Zone = Zone,
        EscapeNonAscii = EscapeNonAscii,
        EnvelopeOrder = EnvelopeOrder,
        TypeLast = TypeLast,
    };

    /// <summary>Clears every lock a calendar edge set.</summary>
    public void Unlock()
    {
        AsOfLocked = false;
        Account.Unlock();
        foreach (var g in Grants) g.Unlock();
        Request.Unlock();
    }

    /// <summary>The case as one line of JSON: no whitespace, decimals exactly as held, instants as ISO-8601.</summary>
    public string Write(StringBuilder sb)
    {
        WriteTo(sb);
        return sb.ToString();
    }

    /// <summary>Writes the case as one line of JSON into <paramref name="sb"/>, replacing what it held.</summary>
    public void WriteTo(StringBuilder sb)
    {
        sb.Clear();
        sb.Append('{');
        var order = Envelopes[EnvelopeOrder % Envelopes.Length];
        for (var i = 0; i < order.Length; i++)
        {
            if (i > 0) sb.Append(',');
            switch (order[i])
            {
                case 0:
                    sb.Append("\"asOf\":");
                    WriteInstant(sb, new When(AsOf, AsOfLocal));
                    break;
                case 1:
                    sb.Append("\"account\":");
                    WriteObject(sb, Account, Pin is null ? null : ("termsVersion", Pin), null);
                    break;
                case 2:
                    sb.Append("\"grants\":[");
                    for (var g = 0; g < Grants.Count; g++)
                    {
                        if (g > 0) sb.Append(',');
                        WriteObject(sb, Grants[g], null, null);
                    }

                    sb.Append(']');
                    break;
                default:
                    sb.Append("\"request\":");
                    WriteObject(sb, Request, TypeLast ? null : ("type", RequestType), TypeLast ? ("type", RequestType) : null);
                    break;
            }
        }

        sb.Append('}');
    }

    /// <summary>What a problem path (<c>grants[1].remaining</c>, <c>account.balanceMaintenance.threshold</c>, <c>asOf</c>) names in this draft.</summary>
    public PathTarget Resolve(string path)
    {
        if (path == "asOf") return new PathTarget(PathKind.AsOf, null, null, null);
        var parts = path.Split('.');
        DraftObject? current;
        DraftObject? grant = null;
        var first = parts[0];
        if (first == "account") current = Account;
        else if (first == "request") current = Request;
        else if (first.StartsWith("grants[", StringComparison.Ordinal) && first.EndsWith(']')
            && int.TryParse(first.AsSpan(7, first.Length - 8), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < Grants.Count)
        {
            current = grant = Grants[index];
        }
        else
        {
            return PathTarget.Unknown;
        }

        if (parts.Length == 1) return PathTarget.Unknown;
        for (var i = 1; i < parts.Length; i++)
        {
            var name = parts[i];
            var bracket = name.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0) name = name[..bracket];
            var a = current.Entity.Find(name);
            if (a is null)
            {
                return first == "account" && i == 1 && name == "termsVersion" ? new PathTarget(PathKind.Pin, null, null, null) : PathTarget.Unknown;
            }

            if (i + 1 < parts.Length && bracket < 0 && current[a] is DraftObject nested)
            {
                current = nested;
                continue;
            }

            return new PathTarget(PathKind.Attribute, current, a, grant);
        }

        return PathTarget.Unknown;
    }

    private void WriteObject(StringBuilder sb, DraftObject o, (string Name, string Value)? before, (string Name, string Value)? after)
    {
        sb.Append('{');
        var any = false;
        if (before is { } b)
        {
            WriteName(sb, b.Name);
            WriteString(sb, b.Value);
            any = true;
        }

        var attributes = o.Entity.Attributes;
        for (var k = 0; k < attributes.Count; k++)
        {
            var index = o.Order is { } order ? order[k] : k;
            var value = o.Values[index];
            if (value is null) continue;
            if (any) sb.Append(',');
            any = true;
            WriteName(sb, attributes[index].Name);
            WriteValue(sb, value);
        }

        if (after is { } a)
        {
            if (any) sb.Append(',');
            WriteName(sb, a.Name);
            WriteString(sb, a.Value);
        }

        sb.Append('}');
    }

    private void WriteValue(StringBuilder sb, object value)
    {
        switch (value)
        {
            case string s:
                WriteString(sb, s);
                break;
            case decimal d:
                sb.Append(ValueText.Format(d));
                break;
            case long n:
                sb.Append(n.ToString(CultureInfo.InvariantCulture));
                break;
            case bool flag:
                sb.Append(flag ? "true" : "false");
                break;
            case When w:
                WriteInstant(sb, w);
                break;
            case LocalDate date:
                sb.Append('"').Append(ValueText.Format(date)).Append('"');
                break;
            case string[] items:
                sb.Append('[');
                for (var i = 0; i < items.Length; i++)
                {
                    if (i > 0) sb.Append(',');
                    WriteString(sb, items[i]);
                }

                sb.Append(']');
                break;
            case DraftObject nested:
                WriteObject(sb, nested, null, null);
                break;
            case JsonNull:
                sb.Append("null");
                break;
            default:
                throw new InvalidOperationException($"a draft holds no {value.GetType().Name}");
        }
    }

    private void WriteInstant(StringBuilder sb, When w)
    {
        sb.Append('"');
        var local = w.Local ? w.Instant.InZone(Zone).ToOffsetDateTime() : w.Instant.WithOffset(Offset.Zero);

        // An offset with seconds (local mean time, long ago) has no RFC 3339 spelling: such instants are written in UTC.
        if (local.Offset.Seconds % 60 != 0) local = w.Instant.WithOffset(Offset.Zero);
        AppendIso(sb, local);
        sb.Append('"');
    }

    /// <summary>Appends an instant as RFC 3339 (<c>2026-11-25T05:00:00.0000001-05:00</c>, <c>Z</c> for a zero offset, fraction
    /// digits only as needed): what NodaTime's RFC 3339 pattern writes, without parsing a pattern for each of a book's millions of instants.</summary>
    internal static void AppendIso(StringBuilder sb, OffsetDateTime value)
    {
        if (value.Year is < 1 or > 9999)
        {
            sb.Append(OffsetDateTimePattern.Rfc3339.Format(value));
            return;
        }

        Digits(sb, value.Year, 4).Append('-');
        Digits(sb, value.Month, 2).Append('-');
        Digits(sb, value.Day, 2).Append('T');
        Digits(sb, value.Hour, 2).Append(':');
        Digits(sb, value.Minute, 2).Append(':');
        Digits(sb, value.Second, 2);
        var nanos = value.NanosecondOfSecond;
        if (nanos != 0)
        {
            var width = 9;
            while (nanos % 10 == 0)
            {
                nanos /= 10;
                width--;
            }

            Digits(sb.Append('.'), nanos, width);
        }

        var offset = value.Offset.Seconds;
        if (offset == 0)
        {
            sb.Append('Z');
            return;
        }

        sb.Append(offset < 0 ? '-' : '+');
        offset = Math.Abs(offset) / 60;
        Digits(sb, offset / 60, 2).Append(':');
        Digits(sb, offset % 60, 2);
    }

    private static StringBuilder Digits(StringBuilder sb, int value, int width)
    {
        Span<char> digits = stackalloc char[10];
        for (var i = width - 1; i >= 0; i--)
        {
            digits[i] = (char)('0' + value % 10);
            value /= 10;
        }

        return sb.Append(digits[..width]);
    }

    private static void WriteName(StringBuilder sb, string name)
    {
        // Declared names are plain identifiers; written through the string writer all the same.
        WriteString(sb, name, escapeNonAscii: false);
        sb.Append(':');
    }

    private void WriteString(StringBuilder sb, string s) => WriteString(sb, s, EscapeNonAscii);

    private static void WriteString(StringBuilder sb, string s, bool escapeNonAscii)
    {
        sb.Append('"');
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                default:
                    if (ch < 0x20 || (escapeNonAscii && ch > 0x7E))
                    {
                        sb.Append("\\u").Append(((int)ch).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(ch);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    private static readonly int[][] Envelopes =
    [
        [0, 1, 2, 3], [1, 2, 3, 0], [3, 0, 1, 2], [2, 3, 1, 0], [0, 3, 2, 1], [1, 0, 3, 2],
    ];
}

/// <summary>What a problem path names.</summary>
internal enum PathKind
{
    Unknown,
    AsOf,
    Pin,
    Attribute,
}

/// <summary>The target of a problem path in a draft: <c>asOf</c>, the pin, or an attribute of an object (and the grant it is in, if any).</summary>
internal readonly record struct PathTarget(PathKind Kind, DraftObject? Owner, AttributeContract? Attribute, DraftObject? Grant)
{
    public static PathTarget Unknown => new(PathKind.Unknown, null, null, null);
}
