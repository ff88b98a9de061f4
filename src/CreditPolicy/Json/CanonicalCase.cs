using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CreditPolicy.Model;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Json;

/// <summary>Writes a case in one canonical JSON form and digests it: the same case model gives the same bytes, however its JSON was written.</summary>
/// <remarks>
/// The form is compact JSON with every field of the contract in contract order, absent optional fields as
/// <c>null</c>, defaults applied (a missing <c>timeZone</c> is <c>Etc/UTC</c>, a missing <c>source</c> is
/// the kind's default), instants in UTC as ISO-8601 (<c>2026-11-25T05:00:00-05:00</c> becomes
/// <c>2026-11-25T10:00:00Z</c>) and amounts exactly as the decimal holds them. Scale is kept on purpose:
/// <c>12.50</c> and <c>12.5</c> are different cases because the decision prints the amount it was given.
/// <see cref="CaseJson"/> reads the canonical form back to the same case. Every decision digests its case, so
/// the form is written with <see cref="Utf8JsonWriter"/> into a per-thread buffer: a few microseconds a case.
/// </remarks>
public static class CanonicalCase
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The case as canonical JSON text, on one line.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    public static string Serialize(CreditCase @case) => Encoding.UTF8.GetString(Utf8(@case));

    /// <summary><c>sha256:</c> and the lower-case hex sha256 of the case's canonical UTF-8 serialisation.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    public static string Digest(CreditCase @case)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Utf8(@case), hash);
        return "sha256:" + Convert.ToHexStringLower(hash);
    }

    /// <summary>The canonical UTF-8 bytes, valid until the calling thread's next call.</summary>
    internal static ReadOnlySpan<byte> Utf8(CreditCase @case)
    {
        ArgumentNullException.ThrowIfNull(@case);
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(buffer);
        Write(writer, @case);
        writer.Flush();
        return buffer.WrittenSpan;
    }

    private static void Write(Utf8JsonWriter w, CreditCase @case)
    {
        w.WriteStartObject();
        Instant(w, "asOf", @case.AsOf);

        // A case built in code may break the model's nullability; it is still written, so it can be logged and digested.
        if (@case.Account is { } a)
        {
            w.WriteStartObject("account");
            w.WriteString("id", a.Id);
            w.WriteString("status", a.Status);
            Instant(w, "closedAt", a.ClosedAt);
            w.WriteString("timeZone", a.TimeZone);
            if (a.BalanceMaintenance is { } m)
            {
                w.WriteStartObject("balanceMaintenance");
                w.WriteBoolean("enabled", m.Enabled);
                w.WriteNumber("threshold", m.Threshold);
                w.WriteNumber("reloadAmount", m.ReloadAmount);
                w.WriteBoolean("paymentMethodOnFile", m.PaymentMethodOnFile);
                Instant(w, "optedOutAt", m.OptedOutAt);
                w.WriteNumber("pendingReloadAmount", m.PendingReloadAmount);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("balanceMaintenance");
            }

            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("account");
        }

        w.WriteStartArray("grants");
        foreach (var g in @case.Grants ?? [])
        {
            if (g is null)
            {
                w.WriteNullValue();
                continue;
            }

            w.WriteStartObject();
            w.WriteString("id", g.Id);
            w.WriteString("kind", g.Kind);
            w.WriteString("holderAccountId", g.HolderAccountId);
            w.WriteNumber("amount", g.Amount);
            w.WriteNumber("remaining", g.Remaining);
            Instant(w, "issuedAt", g.IssuedAt);
            Instant(w, "confirmedAt", g.ConfirmedAt);
            Instant(w, "expiresAt", g.ExpiresAt);
            w.WriteString("source", g.Source);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (@case.Request is { } r)
        {
            w.WriteStartObject("request");
            w.WriteString("type", r.Type);
            if (r.Amount is { } amount) w.WriteNumber("amount", amount);
            else w.WriteNull("amount");
            w.WriteString("requestedBy", r.RequestedBy);
            w.WriteString("grantId", r.GrantId);
            w.WriteString("toAccountId", r.ToAccountId);
            Instant(w, "until", r.Until);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("request");
        }

        w.WriteEndObject();
    }

    private static void Instant(Utf8JsonWriter w, string name, Instant? value)
    {
        if (value is not { } i)
        {
            w.WriteNull(name);
            return;
        }

        Span<byte> text = stackalloc byte[32];
        var length = FormatIso(i, text);
        if (length > 0) w.WriteString(name, text[..length]);
        else w.WriteString(name, InstantPattern.ExtendedIso.Format(i));
    }

    /// <summary>
    /// Writes what <see cref="InstantPattern.ExtendedIso"/> writes (<c>2026-11-25T10:00:00Z</c>, with up to nine
    /// fraction digits and no trailing zeros) as UTF-8, without the pattern engine; 0 for years outside 1..9999.
    /// </summary>
    internal static int FormatIso(Instant instant, Span<byte> utf8)
    {
        var t = instant.InUtc();
        if (t.Year is < 1 or > 9999) return 0;
        Digits(utf8[..4], t.Year);
        utf8[4] = (byte)'-';
        Digits(utf8.Slice(5, 2), t.Month);
        utf8[7] = (byte)'-';
        Digits(utf8.Slice(8, 2), t.Day);
        utf8[10] = (byte)'T';
        Digits(utf8.Slice(11, 2), t.Hour);
        utf8[13] = (byte)':';
        Digits(utf8.Slice(14, 2), t.Minute);
        utf8[16] = (byte)':';
        Digits(utf8.Slice(17, 2), t.Second);
        var length = 19;
        var fraction = t.NanosecondOfSecond;
        if (fraction != 0)
        {
            var digits = 9;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }

            utf8[length++] = (byte)'.';
            Digits(utf8.Slice(length, digits), fraction);
            length += digits;
        }

        utf8[length++] = (byte)'Z';
        return length;
    }

    private static void Digits(Span<byte> into, int value)
    {
        for (var k = into.Length - 1; k >= 0; k--)
        {
            into[k] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}
