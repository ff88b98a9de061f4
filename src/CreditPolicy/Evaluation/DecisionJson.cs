using System.Globalization;
using System.Text;
using CreditPolicy.Model;
using CreditPolicy.Rules.Effects;
using Newtonsoft.Json;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Evaluation;

/// <summary>Writes decisions as the contract's JSON: camelCase, fields in a fixed order, the same bytes for the same decision.</summary>
public static class DecisionJson
{
    /// <summary>The decision as JSON text.</summary>
    public static string Serialize(Decision decision, bool indented = true)
    {
        var sb = new StringBuilder(512);
        using (var writer = new JsonTextWriter(new StringWriter(sb)) { Formatting = indented ? Formatting.Indented : Formatting.None })
        {
            Write(writer, decision);
        }

        return sb.ToString();
    }

    /// <summary>The decision as JSON text followed by <c>trace</c>: every rule run, in order, with the values it looked at.</summary>
    /// <remarks>The fields before <c>trace</c> are exactly those <see cref="Serialize(Decision, bool)"/> writes.</remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="evaluation"/> is null.</exception>
    public static string Serialize(Explanation evaluation, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var sb = new StringBuilder(4096);
        using (var writer = new JsonTextWriter(new StringWriter(sb)) { Formatting = indented ? Formatting.Indented : Formatting.None })
        {
            Write(writer, evaluation.Decision, evaluation.Trace);
        }

        return sb.ToString();
    }

    /// <summary>Writes the decision to a JSON writer.</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static void Write(JsonWriter w, Decision d) => Write(w, d, null);

    /// <summary>Writes the decision to a JSON writer, followed by <c>trace</c> when a trace is given.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="w"/> or <paramref name="d"/> is null.</exception>
    public static void Write(JsonWriter w, Decision d, IReadOnlyList<TraceEntry>? trace)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(d);
        w.WriteStartObject();
        w.WritePropertyName("outcome");
        w.WriteValue(OutcomeName(d.Outcome));
        w.WritePropertyName("reasons");
        w.WriteStartArray();
        foreach (var r in d.Reasons)
        {
            w.WriteStartObject();
            w.WritePropertyName("rule");
            w.WriteValue(r.Rule);
            w.WritePropertyName("clause");
            w.WriteValue(r.Clause);
            w.WritePropertyName("message");
            w.WriteValue(r.Message);
            if (r.GrantId is not null)
            {
                w.WritePropertyName("grantId");
                w.WriteValue(r.GrantId);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        foreach (var effect in EffectModules.All) effect.Write(w, d);
        w.WritePropertyName("rules");
        w.WriteStartObject();
        w.WritePropertyName("termsVersion");
        w.WriteValue(d.Rules.TermsVersion);
        w.WritePropertyName("digest");
        w.WriteValue(d.Rules.Digest);
        w.WritePropertyName("tzdb");
        w.WriteValue(d.Rules.Tzdb);
        w.WriteEndObject();
        w.WritePropertyName("asOf");
        w.WriteValue(Format(d.AsOf));
        if (d.Record is { } record)
        {
            w.WritePropertyName("record");
            w.WriteStartObject();
            w.WritePropertyName("id");
            w.WriteValue(record.Id);
            w.WritePropertyName("caseDigest");
            w.WriteValue(record.CaseDigest);
            w.WritePropertyName("libraryVersion");
            w.WriteValue(record.LibraryVersion);
            w.WriteEndObject();
        }

        if (trace is not null) WriteTrace(w, trace);
        w.WriteEndObject();
    }

    private static void WriteTrace(JsonWriter w, IReadOnlyList<TraceEntry> trace)
    {
        w.WritePropertyName("trace");
        w.WriteStartArray();
        foreach (var t in trace)
        {
            w.WriteStartObject();
            w.WritePropertyName("rule");
            w.WriteValue(t.Rule);
            w.WritePropertyName("clause");
            w.WriteValue(t.Clause);
            w.WritePropertyName("scope");
            w.WriteValue(t.Scope);
            if (t.GrantId is not null)
            {
                w.WritePropertyName("grantId");
                w.WriteValue(t.GrantId);
            }

            w.WritePropertyName("fired");
            w.WriteValue(t.Fired);
            if (t.Detail is not null)
            {
                w.WritePropertyName("detail");
                w.WriteValue(t.Detail);
            }

            w.WritePropertyName("values");
            w.WriteStartArray();
            foreach (var v in t.Values)
            {
                w.WriteStartObject();
                w.WritePropertyName("expression");
                w.WriteValue(v.Expression);
                w.WritePropertyName("value");
                WriteTraceValue(w, v.Value);
                if (v.Error is not null)
                {
                    w.WritePropertyName("error");
                    w.WriteValue(v.Error);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteTraceValue(JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNull(); break;
            case string s: w.WriteValue(s); break;
            case bool b: w.WriteValue(b); break;
            case decimal m: WriteMoney(w, m); break;
            case int i: w.WriteValue(i); break;
            case long l: w.WriteValue(l); break;
            case Instant i: w.WriteValue(Format(i)); break;
            case LocalDate d: w.WriteValue(LocalDatePattern.Iso.Format(d)); break;
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
            default: w.WriteValue(TraceValue.Format(value)); break;
        }
    }

    /// <summary>The contract's name for an outcome: <c>permit</c>, <c>deny</c> or <c>indeterminate</c>.</summary>
    public static string OutcomeName(Outcome outcome) => outcome switch
    {
        Outcome.Permit => "permit",
        Outcome.Deny => "deny",
        _ => "indeterminate",
    };

    // Json.NET would print 20m as 20.0; money keeps exactly the scale it has (20, 12.50).
    private static void WriteMoney(JsonWriter w, decimal value) => w.WriteRawValue(value.ToString(CultureInfo.InvariantCulture));

    private static string Format(Instant i) => InstantPattern.ExtendedIso.Format(i);
}
