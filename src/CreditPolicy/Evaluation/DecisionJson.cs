using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules.Effects;
using NodaTime;

namespace CreditPolicy.Evaluation;

/// <summary>Writes decisions as the contract's JSON: camelCase, fields in a fixed order, the same bytes for the same decision.</summary>
/// <remarks>
/// One writer for every door: <c>evaluate</c>, <c>sweep</c>, the decision log and the HTTP sidecar all write a decision with
/// it, so their bytes are equal. Amounts keep exactly the scale they have (<c>20</c>, <c>12.50</c>); text is UTF-8 with only
/// the characters JSON requires escaped (quotes, backslash, control characters).
/// </remarks>
public static class DecisionJson
{
    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private static readonly JsonWriterOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true, Indented = true, NewLine = "\n" };

    /// <summary>The decision as JSON text.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="decision"/> is null.</exception>
    public static string Serialize(Decision decision, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, indented ? Indented : Compact)) Write(w, decision, null);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The decision as JSON text followed by <c>trace</c>: every rule run, in order, with the values it looked at.</summary>
    /// <remarks>The fields before <c>trace</c> are exactly those <see cref="Serialize(Decision, bool)"/> writes.</remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="evaluation"/> is null.</exception>
    public static string Serialize(Explanation evaluation, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, indented ? Indented : Compact)) Write(w, evaluation.Decision, evaluation.Trace);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the decision on one line as UTF-8 into a buffer (what <see cref="Serialize(Decision, bool)"/> with <c>indented: false</c> gives, as bytes).</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static void WriteCompact(IBufferWriter<byte> output, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(decision);
        using var w = new Utf8JsonWriter(output, Compact);
        Write(w, decision, null);
    }

    /// <summary>A writer configured as decisions are written (relaxed escaping, optionally indented).</summary>
    public static Utf8JsonWriter CreateWriter(IBufferWriter<byte> output, bool indented = false) => new(output, indented ? Indented : Compact);

    /// <summary>Writes the decision to a JSON writer, followed by <c>trace</c> when a trace is given.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="w"/> or <paramref name="d"/> is null.</exception>
    public static void Write(Utf8JsonWriter w, Decision d, IReadOnlyList<TraceEntry>? trace = null)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(d);
        w.WriteStartObject();
        w.WriteString("outcome"u8, OutcomeName(d.Outcome));
        w.WriteStartArray("reasons"u8);
        foreach (var r in d.Reasons)
        {
            w.WriteStartObject();
            w.WriteString("rule"u8, r.Rule);
            w.WriteString("clause"u8, r.Clause);
            w.WriteString("message"u8, r.Message);
            if (r.GrantId is not null) w.WriteString("grantId"u8, r.GrantId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        foreach (var effect in EffectModules.All) effect.Write(w, d);
        w.WriteStartObject("rules"u8);
        w.WriteString("termsVersion"u8, d.Rules.TermsVersion);
        w.WriteString("digest"u8, d.Rules.Digest);
        w.WriteString("tzdb"u8, d.Rules.Tzdb);
        w.WriteEndObject();
        Json.JsonWriting.WriteInstant(w, "asOf"u8, d.AsOf);
        if (d.Record is { } record)
        {
            w.WriteStartObject("record"u8);
            w.WriteString("id"u8, record.Id);
            w.WriteString("caseDigest"u8, record.CaseDigest);
            w.WriteString("libraryVersion"u8, record.LibraryVersion);
            w.WriteEndObject();
        }

        if (trace is not null) WriteTrace(w, trace);
        w.WriteEndObject();
    }

    private static void WriteTrace(Utf8JsonWriter w, IReadOnlyList<TraceEntry> trace)
    {
        w.WriteStartArray("trace"u8);
        foreach (var t in trace)
        {
            w.WriteStartObject();
            w.WriteString("rule"u8, t.Rule);
            w.WriteString("clause"u8, t.Clause);
            w.WriteString("scope"u8, t.Scope);
            if (t.GrantId is not null) w.WriteString("grantId"u8, t.GrantId);
            w.WriteBoolean("fired"u8, t.Fired);
            if (t.Detail is not null) w.WriteString("detail"u8, t.Detail);
            w.WriteStartArray("values"u8);
            foreach (var v in t.Values)
            {
                w.WriteStartObject();
                w.WriteString("expression"u8, v.Expression);
                w.WritePropertyName("value"u8);
                WriteTraceValue(w, v.Value);
                if (v.Error is not null) w.WriteString("error"u8, v.Error);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteTraceValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case decimal m: w.WriteNumberValue(m); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case Instant i: Json.JsonWriting.WriteInstantValue(w, i); break;
            case LocalDate d: w.WriteStringValue(Json.ValueText.Format(d)); break;
            case IDictionary<string, object?> map:
                w.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    w.WritePropertyName(key);
                    WriteTraceValue(w, item);
                }

                w.WriteEndObject();
                break;
            case IEnumerable<object?> list:
                w.WriteStartArray();
                foreach (var item in list) WriteTraceValue(w, item);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(TraceValue.Format(value)); break;
        }
    }

    /// <summary>The contract's name for an outcome: <c>permit</c>, <c>deny</c> or <c>indeterminate</c>.</summary>
    public static string OutcomeName(Outcome outcome) => outcome switch
    {
        Outcome.Permit => "permit",
        Outcome.Deny => "deny",
        _ => "indeterminate",
    };
}
