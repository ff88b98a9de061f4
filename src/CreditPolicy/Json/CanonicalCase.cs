using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using NodaTime;

namespace CreditPolicy.Json;

/// <summary>Writes a case in one canonical JSON form and digests it: the same case gives the same bytes, however its JSON was written.</summary>
/// <remarks>
/// <para>The form is compact JSON driven by the case's vocabulary: <c>asOf</c>, then the account's declared attributes in
/// declaration order followed by <c>termsVersion</c> (the pin decides which terms apply, so it is part of the case), then
/// the grants sorted by id (their order in the case never changes a decision, so it does not change the digest), each
/// with its declared attributes in order, then the request's <c>type</c> and the fields its type declares, in order.
/// Every declared attribute is written: absent optional ones as <c>null</c>, defaults applied (an omitted
/// <c>timeZone</c> is <c>Etc/UTC</c> when that is its default), instants in UTC as ISO-8601
/// (<c>2026-11-25T05:00:00-05:00</c> becomes <c>2026-11-25T10:00:00Z</c>), sets sorted, amounts exactly as the decimal
/// holds them: <c>12.50</c> and <c>12.5</c> are different cases because the decision prints the amount it was given.</para>
/// <para>Reading the canonical form back against the same vocabulary gives the same case, and the same canonical bytes.
/// Every decision digests its case, so the form is written with <see cref="Utf8JsonWriter"/> into a per-thread buffer.</para>
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
        w.WritePropertyName("account");
        Object(w, @case.Account);
        w.WritePropertyName("termsVersion"u8);
        w.WriteStringValue(@case.Account.TermsVersion);
        w.WriteEndObject();

        w.WriteStartArray("grants");
        foreach (var g in @case.GrantsById) Closed(w, g);

        w.WriteEndArray();
        w.WritePropertyName("request");
        w.WriteStartObject();
        w.WriteString("type"u8, @case.Request.Type);
        Attributes(w, @case.Request);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Closed(Utf8JsonWriter w, CaseObject o)
    {
        Object(w, o);
        w.WriteEndObject();
    }

    /// <summary>Starts the object and writes its attributes; the caller closes it (the account adds its pin first).</summary>
    private static void Object(Utf8JsonWriter w, CaseObject o)
    {
        w.WriteStartObject();
        Attributes(w, o);
    }

    private static void Attributes(Utf8JsonWriter w, CaseObject o)
    {
        foreach (var a in o.Entity.Attributes)
        {
            w.WritePropertyName(a.EncodedName);
            var write = (Action<Utf8JsonWriter, CaseObject>?)a.CanonicalWriter ?? Bind(a, o.Entity);
            write(w, o);
        }
    }

    /// <summary>Compiles, once per attribute, a writer that reads its typed field and writes it: no boxing per case.</summary>
    private static Action<Utf8JsonWriter, CaseObject> Bind(AttributeContract a, EntityContract entity)
    {
        var w = System.Linq.Expressions.Expression.Parameter(typeof(Utf8JsonWriter), "w");
        var o = System.Linq.Expressions.Expression.Parameter(typeof(CaseObject), "o");
        System.Linq.Expressions.Expression value = a.Structural switch
        {
            Structural.AccountId => System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Convert(o, typeof(CaseAccount)), nameof(CaseAccount.Id)),
            Structural.GrantId => System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Convert(o, typeof(CaseGrant)), nameof(CaseGrant.Id)),
            Structural.GrantKind => System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Convert(o, typeof(CaseGrant)), nameof(CaseGrant.Kind)),
            Structural.GrantRemaining => System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Convert(o, typeof(CaseGrant)), nameof(CaseGrant.Remaining)),
            _ => System.Linq.Expressions.Expression.Field(System.Linq.Expressions.Expression.Convert(o, entity.DataType), a.Field!),
        };
        var type = value.Type;
        var method = typeof(CanonicalCase).GetMethod(nameof(WriteTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static, [typeof(Utf8JsonWriter), type])
            ?? typeof(CanonicalCase).GetMethod(nameof(WriteTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static, [typeof(Utf8JsonWriter), typeof(CaseObject)])!;
        if (method.GetParameters()[1].ParameterType != type) value = System.Linq.Expressions.Expression.Convert(value, method.GetParameters()[1].ParameterType);
        var writer = System.Linq.Expressions.Expression.Lambda<Action<Utf8JsonWriter, CaseObject>>(System.Linq.Expressions.Expression.Call(method, w, value), w, o).Compile();
        a.CanonicalWriter = writer;
        return writer;
    }

    private static void WriteTyped(Utf8JsonWriter w, string? value)
    {
        if (value is null) w.WriteNullValue();
        else w.WriteStringValue(value);
    }

    private static void WriteTyped(Utf8JsonWriter w, decimal value) => w.WriteNumberValue(value);

    private static void WriteTyped(Utf8JsonWriter w, decimal? value)
    {
        if (value is { } v) w.WriteNumberValue(v);
        else w.WriteNullValue();
    }

    private static void WriteTyped(Utf8JsonWriter w, long value) => w.WriteNumberValue(value);

    private static void WriteTyped(Utf8JsonWriter w, long? value)
    {
        if (value is { } v) w.WriteNumberValue(v);
        else w.WriteNullValue();
    }

    private static void WriteTyped(Utf8JsonWriter w, bool value) => w.WriteBooleanValue(value);

    private static void WriteTyped(Utf8JsonWriter w, bool? value)
    {
        if (value is { } v) w.WriteBooleanValue(v);
        else w.WriteNullValue();
    }

    private static void WriteTyped(Utf8JsonWriter w, NodaTime.Instant value) => InstantValue(w, value);

    private static void WriteTyped(Utf8JsonWriter w, NodaTime.Instant? value)
    {
        if (value is { } v) InstantValue(w, v);
        else w.WriteNullValue();
    }

    private static void WriteTyped(Utf8JsonWriter w, LocalDate value) => w.WriteStringValue(ValueText.Format(value));

    private static void WriteTyped(Utf8JsonWriter w, LocalDate? value)
    {
        if (value is { } v) w.WriteStringValue(ValueText.Format(v));
        else w.WriteNullValue();
    }

    private static void WriteTyped(Utf8JsonWriter w, StringSet value)
    {
        w.WriteStartArray();
        foreach (var item in value) w.WriteStringValue(item);
        w.WriteEndArray();
    }

    private static void WriteTyped(Utf8JsonWriter w, CaseObject nested)
    {
        if (nested.Present) Closed(w, nested);
        else w.WriteNullValue();
    }

    private static void Value(Utf8JsonWriter w, AttributeKind kind, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case decimal d:
                w.WriteNumberValue(d);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case NodaTime.Instant i:
                InstantValue(w, i);
                break;
            case LocalDate date:
                w.WriteStringValue(ValueText.Format(date));
                break;
            case StringSet set:
                w.WriteStartArray();
                foreach (var item in set) w.WriteStringValue(item);
                w.WriteEndArray();
                break;
            case CaseObject nested when nested.Present:
                Closed(w, nested);
                break;
            case CaseObject:
                w.WriteNullValue();
                break;
            default:
                throw new InvalidOperationException($"an attribute of type {kind} holds a {value.GetType().Name}");
        }
    }

    private static void Instant(Utf8JsonWriter w, string name, NodaTime.Instant value)
    {
        w.WritePropertyName(name);
        InstantValue(w, value);
    }

    private static void InstantValue(Utf8JsonWriter w, NodaTime.Instant value)
    {
        Span<byte> text = stackalloc byte[32];
        var length = FormatIso(value, text);
        if (length > 0) w.WriteStringValue(text[..length]);
        else w.WriteStringValue(ValueText.Format(value));
    }

    /// <summary>
    /// Writes what <see cref="NodaTime.Text.InstantPattern.ExtendedIso"/> writes (<c>2026-11-25T10:00:00Z</c>, with up to nine
    /// fraction digits and no trailing zeros) as UTF-8, without the pattern engine; 0 for years outside 1..9999.
    /// </summary>
    internal static int FormatIso(NodaTime.Instant instant, Span<byte> utf8)
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
