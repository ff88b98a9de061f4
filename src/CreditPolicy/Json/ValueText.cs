using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Json;

/// <summary>Exact, culture-free parsing of the values a case and a vocabulary hold: decimals, instants and dates.</summary>
internal static class ValueText
{
    private static readonly UInt128 MaxMantissa = ((UInt128)uint.MaxValue << 64) | ((UInt128)uint.MaxValue << 32) | uint.MaxValue;

    /// <summary>Parses a JSON number (already known to follow RFC 8259's grammar) into the decimal it denotes, exactly.</summary>
    /// <remarks>
    /// Never through double, and never rounded: <c>12.50</c> is 12.50 with its scale of 2, <c>1E2</c> is 100, and a number a
    /// decimal cannot hold exactly (more than 28 decimal places, such as <c>1E-29</c>, or a coefficient beyond 96 bits) is
    /// refused with <paramref name="error"/> saying why. <c>-0</c> is 0.
    /// </remarks>
    public static bool TryParseDecimal(ReadOnlySpan<byte> text, out decimal value, out string? error)
    {
        value = 0m;
        error = null;
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] == '-')
        {
            negative = true;
            i++;
        }

        UInt128 mantissa = 0;
        var digits = 0; // significant digits taken into the mantissa
        var scale = 0;
        var overflow = false;
        var inFraction = false;
        for (; i < text.Length; i++)
        {
            var b = text[i];
            if (b == '.')
            {
                inFraction = true;
                continue;
            }

            if (b is (byte)'e' or (byte)'E') break;
            if (b is < (byte)'0' or > (byte)'9')
            {
                error = "not a number";
                return false;
            }

            if (inFraction) scale++;
            if (mantissa == 0 && b == '0') continue;
            digits++;
            if (digits > 29)
            {
                overflow = true;
                continue;
            }

            mantissa = mantissa * 10 + (uint)(b - '0');
        }

        long exponent = 0;
        if (i < text.Length)
        {
            i++; // e or E
            var expNegative = false;
            if (i < text.Length && (text[i] == '+' || text[i] == '-'))
            {
                expNegative = text[i] == '-';
                i++;
            }

            for (; i < text.Length; i++)
            {
                exponent = exponent * 10 + (text[i] - '0');
                if (exponent > 10_000) break; // far beyond any decimal; keeps the arithmetic below in range
            }

            if (expNegative) exponent = -exponent;
        }

        if (mantissa == 0 && !overflow)
        {
            // Zero with any exponent is zero; its written scale is kept when a decimal can hold it (0.00 prints as 0.00).
            var zeroScale = scale - exponent;
            value = new decimal(0, 0, 0, false, (byte)Math.Clamp(zeroScale, 0, 28));
            return true;
        }

        var effectiveScale = scale - exponent;
        if (effectiveScale < 0)
        {
            // 1.5E3 is 1500: the exponent adds zeros to the coefficient.
            for (var k = 0; k < -effectiveScale; k++)
            {
                if (mantissa > MaxMantissa / 10)
                {
                    overflow = true;
                    break;
                }

                mantissa *= 10;
            }

            effectiveScale = 0;
        }

        if (overflow || mantissa > MaxMantissa)
        {
            error = "is out of range for a decimal amount; it cannot be held exactly";
            return false;
        }

        if (effectiveScale > 28)
        {
            error = "has more than 28 decimal places; a decimal cannot hold it exactly";
            return false;
        }

        var lo = (int)(uint)(mantissa & uint.MaxValue);
        var mid = (int)(uint)((mantissa >> 32) & uint.MaxValue);
        var hi = (int)(uint)((mantissa >> 64) & uint.MaxValue);
        value = new decimal(lo, mid, hi, negative, (byte)effectiveScale);
        return true;
    }

    /// <summary>Parses an ISO-8601 instant with an offset (<c>2026-11-25T10:00:00Z</c>, <c>2026-11-25T05:00:00-05:00</c>, up to nine fraction digits).</summary>
    /// <remarks>The common form is read by hand, without allocating; any other is given to NodaTime's extended ISO pattern, which decides.</remarks>
    public static bool TryParseInstant(ReadOnlySpan<byte> utf8, out Instant instant)
    {
        if (TryParseInstantFast(utf8, out instant)) return true;
        if (utf8.Length > 64) return false;
        var text = System.Text.Encoding.UTF8.GetString(utf8);
        return TryParseInstant(text, out instant);
    }

    /// <summary>Parses an ISO-8601 instant with an offset from text.</summary>
    public static bool TryParseInstant(string text, out Instant instant)
    {
        var result = OffsetDateTimePattern.ExtendedIso.Parse(text);
        instant = default;
        if (!result.Success) return false;
        try
        {
            instant = result.Value.ToInstant();
            return true;
        }
        catch (OverflowException)
        {
            // A local time at the calendar's edge whose offset takes it past the range of instants (9999-12-31T23:59:59-05:00).
            return false;
        }
    }

    /// <summary>Parses an ISO-8601 date such as <c>2027-01-01</c>.</summary>
    public static bool TryParseDate(string text, out LocalDate date)
    {
        var result = LocalDatePattern.Iso.Parse(text);
        date = result.Success ? result.Value : default;
        return result.Success && text.Length == 10;
    }

    /// <summary>An instant as decisions and canonical cases write it: UTC, ISO-8601, fraction digits only when needed.</summary>
    public static string Format(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    /// <summary>A date as ISO-8601.</summary>
    public static string Format(LocalDate date) => LocalDatePattern.Iso.Format(date);

    /// <summary>A decimal exactly as held, invariantly: 12.50 stays 12.50.</summary>
    public static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool TryParseInstantFast(ReadOnlySpan<byte> s, out Instant instant)
    {
        instant = default;

        // yyyy-MM-ddTHH:mm:ss[.fffffffff](Z|+HH:mm|-HH:mm)
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
        if (!Digits(s[..4], out var year) || !Digits(s.Slice(5, 2), out var month) || !Digits(s.Slice(8, 2), out var day)
            || !Digits(s.Slice(11, 2), out var hour) || !Digits(s.Slice(14, 2), out var minute) || !Digits(s.Slice(17, 2), out var second))
        {
            return false;
        }

        var i = 19;
        long nanos = 0;
        if (s[i] == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9' && i - start < 9)
            {
                nanos = nanos * 10 + (s[i] - '0');
                i++;
            }

            var n = i - start;
            if (n == 0 || (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9')) return false;
            for (var k = n; k < 9; k++) nanos *= 10;
        }

        int offsetSeconds;
        if (i == s.Length - 1 && s[i] == 'Z')
        {
            offsetSeconds = 0;
        }
        else if (i == s.Length - 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':'
            && Digits(s.Slice(i + 1, 2), out var oh) && Digits(s.Slice(i + 4, 2), out var om) && om <= 59 && (oh < 18 || (oh == 18 && om == 0)))
        {
            offsetSeconds = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var local = new LocalDateTime(year, month, day, hour, minute, second).PlusNanoseconds(nanos);
        try
        {
            instant = local.InUtc().ToInstant().Minus(Duration.FromSeconds(offsetSeconds));
            return true;
        }
        catch (OverflowException)
        {
            // Past the range of instants once the offset is applied (9999-12-31T23:59:59-05:00): not an instant.
            return false;
        }
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }

        return true;
    }
}
