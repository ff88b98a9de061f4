using System.Text.Json;
using NodaTime;

namespace CreditPolicy.Json;

/// <summary>How instants are written wherever CreditPolicy writes JSON: ISO-8601 in UTC (<c>2026-11-25T10:00:00Z</c>), fraction digits only when needed.</summary>
internal static class JsonWriting
{
    /// <summary>Writes a property holding an instant.</summary>
    public static void WriteInstant(Utf8JsonWriter w, ReadOnlySpan<byte> name, Instant value)
    {
        w.WritePropertyName(name);
        WriteInstantValue(w, value);
    }

    /// <summary>Writes an instant value.</summary>
    public static void WriteInstantValue(Utf8JsonWriter w, Instant value)
    {
        Span<byte> text = stackalloc byte[32];
        var length = CanonicalCase.FormatIso(value, text);
        if (length > 0) w.WriteStringValue(text[..length]);
        else w.WriteStringValue(ValueText.Format(value));
    }
}
