using System.Buffers;
using System.Text;
using System.Text.Json;
using CreditPolicy.Model;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Json;

/// <summary>
/// Reads the common shape of a valid case straight from UTF-8 with <see cref="Utf8JsonReader"/>, with no token tree;
/// gives up (returns null) on anything else, and the caller then reads the text with <see cref="CaseJson"/>'s token walker.
/// </summary>
/// <remarks>
/// The walker stays the one place that words problems: this reader never reports one. It is correct only if every
/// case it returns is the very case the walker would return, so it accepts a strict subset of what the walker accepts
/// and gives up on everything else: an escaped string or property name, a number with a sign, an exponent or more than
/// 18 digits, <c>null</c> for a required field or for <c>grants</c>, an object or array as <c>$schema</c>, an unknown
/// or repeated field, JSON that Json.NET tolerates but the standard does not (comments, single quotes, trailing
/// commas), text that is not valid UTF-16, and any case <see cref="CaseValidator"/> finds a problem with. Numbers are
/// built as Json.NET builds them (an integer as a whole decimal, <c>12.50</c> with its scale of 2), never through
/// double; instants in the usual forms are parsed by hand and any other form by the same RFC 3339 pattern the walker's
/// converter uses.
/// </remarks>
internal static class FastCaseReader
{
    /// <summary>The longest number, in digits, read here; longer ones (which may need rounding) are left to the walker.</summary>
    private const int MaxNumberDigits = 18;

    /// <summary>The largest UTF-8 buffer taken from (and given back to) the shared pool.</summary>
    private const int MaxPooledBytes = 256 * 1024;

    private static readonly OffsetDateTimePattern Rfc3339 = OffsetDateTimePattern.Rfc3339;

    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,

        // A case is three levels deep; deeper input is left to the walker, which words the depth limit.
        MaxDepth = 4,
    };

    /// <summary>The case in <paramref name="json"/>, or null when this reader cannot vouch for it (the walker must read it).</summary>
    public static CreditCase? TryRead(string json)
    {
        byte[]? buffer = null;
        try
        {
            // A case is a kilobyte or so; the rare huge one gets its own buffer rather than leave megabytes in the shared pool.
            var size = Encoding.UTF8.GetMaxByteCount(json.Length);
            buffer = size <= MaxPooledBytes ? ArrayPool<byte>.Shared.Rent(size) : new byte[size];

            // No replacement characters: a lone surrogate must reach the walker as it is.
            if (System.Text.Unicode.Utf8.FromUtf16(json, buffer, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                return null;
            }

            var reader = new Utf8JsonReader(buffer.AsSpan(0, written), Options);
            var @case = ReadCase(ref reader);
            return @case is not null && CaseValidator.Validate(@case).Count == 0 ? @case : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Malformed JSON, or a value beyond a range: the walker says what is wrong, with line and column.
            return null;
        }
        finally
        {
            if (buffer is { Length: <= MaxPooledBytes }) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static CreditCase? ReadCase(ref Utf8JsonReader r)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return null;
        Instant? asOf = null;
        Account? account = null;
        List<Grant>? grants = null;
        CreditRequest? request = null;
        var seen = 0;
        while (Next(ref r))
        {
            var name = r.ValueSpan;
            int field;
            if (name.SequenceEqual("asOf"u8)) field = 1;
            else if (name.SequenceEqual("account"u8)) field = 2;
            else if (name.SequenceEqual("grants"u8)) field = 4;
            else if (name.SequenceEqual("request"u8)) field = 8;
            else if (name.SequenceEqual("$schema"u8)) field = 16;
            else return null;
            if ((seen & field) != 0) return null;
            seen |= field;
            if (!r.Read()) return null;
            switch (field)
            {
                case 1:
                    asOf = Instant(ref r);
                    if (asOf is null) return null;
                    break;
                case 2:
                    account = r.TokenType == JsonTokenType.StartObject ? ReadAccount(ref r) : null;
                    if (account is null) return null;
                    break;
                case 4:
                    grants = r.TokenType == JsonTokenType.StartArray ? ReadGrants(ref r) : null;
                    if (grants is null) return null;
                    break;
                case 8:
                    request = r.TokenType == JsonTokenType.StartObject ? ReadRequest(ref r) : null;
                    if (request is null) return null;
                    break;
                default:
                    // The walker does not look at $schema's value; a nested one is left to it, for the depth limit.
                    if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) return null;
                    break;
            }
        }

        // One case per document: only whitespace may follow (the reader throws on anything else).
        if (r.TokenType != JsonTokenType.EndObject || r.Read()) return null;
        return asOf is { } at && account is not null && grants is not null && request is not null
            ? new CreditCase(at, account, grants, request)
            : null;
    }

    private static Account? ReadAccount(ref Utf8JsonReader r)
    {
        string? id = null, status = null, zone = null, termsVersion = null;
        Instant? closedAt = null;
        BalanceMaintenance? maintenance = null;
        var seen = 0;
        while (Next(ref r))
        {
            var name = r.ValueSpan;
            int field;
            if (name.SequenceEqual("id"u8)) field = 1;
            else if (name.SequenceEqual("status"u8)) field = 2;
            else if (name.SequenceEqual("closedAt"u8)) field = 4;
            else if (name.SequenceEqual("timeZone"u8)) field = 8;
            else if (name.SequenceEqual("balanceMaintenance"u8)) field = 16;
            else if (name.SequenceEqual("termsVersion"u8)) field = 32;
            else return null;
            if ((seen & field) != 0) return null;
            seen |= field;
            if (!r.Read()) return null;
            var isNull = r.TokenType == JsonTokenType.Null;
            switch (field)
            {
                case 1:
                    if ((id = String(ref r)) is null) return null;
                    break;
                case 2:
                    if ((status = AccountStatus(ref r)) is null) return null;
                    break;
                case 4:
                    if (!isNull && (closedAt = Instant(ref r)) is null) return null;
                    break;
                case 8:
                    if (!isNull && (zone = String(ref r)) is null) return null;
                    break;
                case 16:
                    if (!isNull && (maintenance = r.TokenType == JsonTokenType.StartObject ? ReadMaintenance(ref r) : null) is null) return null;
                    break;
                default:
                    if (!isNull && (termsVersion = String(ref r)) is null) return null;
                    break;
            }
        }

        return id is null || status is null ? null : new Account(id, status, closedAt, zone ?? "Etc/UTC", maintenance, termsVersion);
    }

    private static BalanceMaintenance? ReadMaintenance(ref Utf8JsonReader r)
    {
        bool? enabled = null;
        decimal? threshold = null, reload = null;
        var onFile = false;
        var pending = 0m;
        Instant? optedOut = null;
        var seen = 0;
        while (Next(ref r))
        {
            var name = r.ValueSpan;
            int field;
            if (name.SequenceEqual("enabled"u8)) field = 1;
            else if (name.SequenceEqual("threshold"u8)) field = 2;
            else if (name.SequenceEqual("reloadAmount"u8)) field = 4;
            else if (name.SequenceEqual("paymentMethodOnFile"u8)) field = 8;
            else if (name.SequenceEqual("optedOutAt"u8)) field = 16;
            else if (name.SequenceEqual("pendingReloadAmount"u8)) field = 32;
            else return null;
            if ((seen & field) != 0) return null;
            seen |= field;
            if (!r.Read()) return null;
            var isNull = r.TokenType == JsonTokenType.Null;
            switch (field)
            {
                case 1:
                    if ((enabled = Bool(ref r)) is null) return null;
                    break;
                case 2:
                    if ((threshold = Decimal(ref r)) is null) return null;
                    break;
                case 4:
                    if ((reload = Decimal(ref r)) is null) return null;
                    break;
                case 8:
                    if (!isNull)
                    {
                        if (Bool(ref r) is not { } b) return null;
                        onFile = b;
                    }

                    break;
                case 16:
                    if (!isNull && (optedOut = Instant(ref r)) is null) return null;
                    break;
                default:
                    if (!isNull)
                    {
                        if (Decimal(ref r) is not { } d) return null;
                        pending = d;
                    }

                    break;
            }
        }

        return enabled is { } e && threshold is { } t && reload is { } ra
            ? new BalanceMaintenance(e, t, ra, onFile, optedOut, pending)
            : null;
    }

    private static List<Grant>? ReadGrants(ref Utf8JsonReader r)
    {
        var grants = new List<Grant>();
        while (r.Read())
        {
            if (r.TokenType == JsonTokenType.EndArray) return grants;
            if (r.TokenType != JsonTokenType.StartObject || ReadGrant(ref r) is not { } grant) return null;
            grants.Add(grant);
        }

        return null;
    }

    private static Grant? ReadGrant(ref Utf8JsonReader r)
    {
        string? id = null, kind = null, holder = null, source = null;
        decimal? amount = null, remaining = null;
        Instant? issuedAt = null, confirmedAt = null, expiresAt = null;
        var seen = 0;
        while (Next(ref r))
        {
            var name = r.ValueSpan;
            int field;
            if (name.SequenceEqual("id"u8)) field = 1;
            else if (name.SequenceEqual("kind"u8)) field = 2;
            else if (name.SequenceEqual("holderAccountId"u8)) field = 4;
            else if (name.SequenceEqual("amount"u8)) field = 8;
            else if (name.SequenceEqual("remaining"u8)) field = 16;
            else if (name.SequenceEqual("issuedAt"u8)) field = 32;
            else if (name.SequenceEqual("confirmedAt"u8)) field = 64;
            else if (name.SequenceEqual("expiresAt"u8)) field = 128;
            else if (name.SequenceEqual("source"u8)) field = 256;
            else return null;
            if ((seen & field) != 0) return null;
            seen |= field;
            if (!r.Read()) return null;
            var isNull = r.TokenType == JsonTokenType.Null;
            switch (field)
            {
                case 1:
                    if ((id = String(ref r)) is null) return null;
                    break;
                case 2:
                    if ((kind = GrantKind(ref r)) is null) return null;
                    break;
                case 4:
                    if ((holder = String(ref r)) is null) return null;
                    break;
                case 8:
                    if ((amount = Decimal(ref r)) is null) return null;
                    break;
                case 16:
                    if ((remaining = Decimal(ref r)) is null) return null;
                    break;
                case 32:
                    if ((issuedAt = Instant(ref r)) is null) return null;
                    break;
                case 64:
                    if (!isNull && (confirmedAt = Instant(ref r)) is null) return null;
                    break;
                case 128:
                    if (!isNull && (expiresAt = Instant(ref r)) is null) return null;
                    break;
                default:
                    if (!isNull && (source = GrantSource(ref r)) is null) return null;
                    break;
            }
        }

        if (id is null || kind is null || holder is null || amount is null || remaining is null || issuedAt is null) return null;
        source ??= kind == GrantKinds.Promotional ? GrantSources.Promotion : GrantSources.Purchase;
        return new Grant(id, kind, holder, amount.Value, remaining.Value, issuedAt.Value, confirmedAt, expiresAt, source);
    }

    private static CreditRequest? ReadRequest(ref Utf8JsonReader r)
    {
        string? type = null, requestedBy = null, grantId = null, to = null;
        decimal? amount = null;
        Instant? until = null;
        var seen = 0;
        while (Next(ref r))
        {
            var name = r.ValueSpan;
            int field;
            if (name.SequenceEqual("type"u8)) field = 1;
            else if (name.SequenceEqual("amount"u8)) field = 2;
            else if (name.SequenceEqual("requestedBy"u8)) field = 4;
            else if (name.SequenceEqual("grantId"u8)) field = 8;
            else if (name.SequenceEqual("toAccountId"u8)) field = 16;
            else if (name.SequenceEqual("until"u8)) field = 32;
            else return null;
            if ((seen & field) != 0) return null;
            seen |= field;
            if (!r.Read()) return null;
            var isNull = r.TokenType == JsonTokenType.Null;
            switch (field)
            {
                case 1:
                    if ((type = RequestType(ref r)) is null) return null;
                    break;
                case 2:
                    if (!isNull && (amount = Decimal(ref r)) is null) return null;
                    break;
                case 4:
                    if (!isNull && (requestedBy = String(ref r)) is null) return null;
                    break;
                case 8:
                    if (!isNull && (grantId = String(ref r)) is null) return null;
                    break;
                case 16:
                    if (!isNull && (to = String(ref r)) is null) return null;
                    break;
                default:
                    if (!isNull && (until = Instant(ref r)) is null) return null;
                    break;
            }
        }

        return type is null ? null : new CreditRequest(type, amount, requestedBy, grantId, to, until);
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    /// <remarks>
    /// The reader allows nothing but a name or the end inside an object. An escaped name is left as written
    /// (<c>\u0061sOf</c>), so it matches no field and the case goes to the walker.
    /// </remarks>
    private static bool Next(ref Utf8JsonReader r) => r.Read() && r.TokenType == JsonTokenType.PropertyName;

    private static string? String(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || r.ValueSpan.Length == 0) return null;
        return Encoding.UTF8.GetString(r.ValueSpan);
    }

    private static string? AccountStatus(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) return null;
        var s = r.ValueSpan;
        return s.SequenceEqual("open"u8) ? AccountStatuses.Open : s.SequenceEqual("closed"u8) ? AccountStatuses.Closed : null;
    }

    private static string? GrantKind(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) return null;
        var s = r.ValueSpan;
        return s.SequenceEqual("usage"u8) ? GrantKinds.Usage : s.SequenceEqual("promotional"u8) ? GrantKinds.Promotional : null;
    }

    private static string? GrantSource(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) return null;
        var s = r.ValueSpan;
        if (s.SequenceEqual("purchase"u8)) return GrantSources.Purchase;
        if (s.SequenceEqual("balanceMaintenance"u8)) return GrantSources.BalanceMaintenance;
        return s.SequenceEqual("promotion"u8) ? GrantSources.Promotion : null;
    }

    private static string? RequestType(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) return null;
        var s = r.ValueSpan;
        foreach (var type in RequestTypes.All)
        {
            if (s.Length == type.Length && Ascii.Equals(s, type)) return type;
        }

        return null;
    }

    private static bool? Bool(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => null,
    };

    /// <summary>
    /// An amount as Json.NET reads it with <c>FloatParseHandling.Decimal</c>: <c>20</c> as 20 (scale 0), <c>12.50</c> as
    /// 12.50 (scale 2); null for anything else (a sign, an exponent, more than <see cref="MaxNumberDigits"/> digits).
    /// </summary>
    internal static decimal? Decimal(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number ? Decimal(r.ValueSpan) : null;

    /// <inheritdoc cref="Decimal(ref Utf8JsonReader)"/>
    internal static decimal? Decimal(ReadOnlySpan<byte> text)
    {
        ulong coefficient = 0;
        int digits = 0, scale = 0;
        var point = false;
        foreach (var c in text)
        {
            if (c == '.' && !point && digits > 0)
            {
                point = true;
                continue;
            }

            if (c is < (byte)'0' or > (byte)'9') return null;
            if (++digits > MaxNumberDigits) return null;
            coefficient = (coefficient * 10) + (ulong)(c - '0');
            if (point) scale++;
        }

        // Json.NET rejects "1." and, like the standard, leading zeros ("012" would be octal to it); so does Utf8JsonReader, but be sure.
        if (digits == 0 || (point && scale == 0) || (text.Length > 1 && text[0] == '0' && text[1] != '.')) return null;
        return new decimal((int)(uint)coefficient, (int)(uint)(coefficient >> 32), 0, false, (byte)scale);
    }

    private static Instant? Instant(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) return null;
        return Instant(r.ValueSpan);
    }

    /// <summary>
    /// An instant as the walker's converter reads it (<see cref="OffsetDateTimePattern.Rfc3339"/>), or null when the
    /// pattern does not accept the text. The usual forms (<c>2026-11-25T10:00:00Z</c>, with up to nine fraction digits,
    /// or an offset such as <c>-05:00</c>) are parsed by hand; any other text goes to the pattern.
    /// </summary>
    internal static Instant? Instant(ReadOnlySpan<byte> utf8)
    {
        if (TryIso(utf8, out var instant)) return instant;
        var parsed = Rfc3339.Parse(Encoding.UTF8.GetString(utf8));
        return parsed.Success ? parsed.Value.ToInstant() : null;
    }

    /// <summary>
    /// <c>uuuu-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)</c> with every field in its plain range (year 2 to 9998, so no offset
    /// can take it past the ends of <see cref="NodaTime.Instant"/>; offset under 18 hours, not <c>-00:00</c>); false for
    /// anything else, which the pattern then judges.
    /// </summary>
    private static bool TryIso(ReadOnlySpan<byte> s, out Instant instant)
    {
        instant = default;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
        var year = Number(s[..4]);
        var month = Number(s.Slice(5, 2));
        var day = Number(s.Slice(8, 2));
        var hour = Number(s.Slice(11, 2));
        var minute = Number(s.Slice(14, 2));
        var second = Number(s.Slice(17, 2));
        if (year is < 2 or > 9998 || month is < 1 or > 12 || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 59) return false;
        if (day < 1 || day > DateTime.DaysInMonth(year, month)) return false;

        var at = 19;
        var nanoseconds = 0;
        if (s[at] == '.')
        {
            var start = ++at;
            while (at < s.Length && s[at] is >= (byte)'0' and <= (byte)'9') at++;
            var digits = at - start;
            if (digits is < 1 or > 9) return false;
            nanoseconds = Number(s[start..at]);
            for (var k = digits; k < 9; k++) nanoseconds *= 10;
        }

        int offsetMinutes;
        if (at == s.Length - 1 && s[at] == 'Z')
        {
            offsetMinutes = 0;
        }
        else if (at == s.Length - 6 && s[at] is (byte)'+' or (byte)'-' && s[at + 3] == ':')
        {
            var offsetHours = Number(s.Slice(at + 1, 2));
            var minutes = Number(s.Slice(at + 4, 2));
            if (offsetHours is < 0 or > 17 || minutes is < 0 or > 59) return false;
            offsetMinutes = (offsetHours * 60) + minutes;
            if (s[at] == '-')
            {
                if (offsetMinutes == 0) return false;
                offsetMinutes = -offsetMinutes;
            }
        }
        else
        {
            return false;
        }

        instant = NodaTime.Instant.FromUtc(year, month, day, hour, minute, second)
            .PlusNanoseconds(nanoseconds)
            .Minus(Duration.FromMinutes(offsetMinutes));
        return true;
    }

    /// <summary>The decimal digits as a number; -1 when any is not a digit.</summary>
    private static int Number(ReadOnlySpan<byte> digits)
    {
        var n = 0;
        foreach (var c in digits)
        {
            if (c is < (byte)'0' or > (byte)'9') return -1;
            n = (n * 10) + (c - '0');
        }

        return n;
    }
}
