using System.Globalization;
using System.Text;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Model;

/// <summary>One fact a rule looked at: the expression as written in the rule and its value when the rule ran.</summary>
/// <param name="Expression">A member chain over <c>c</c> or <c>g</c> as it appears in the rule, for example <c>c.Account.BalanceMaintenance.Threshold</c> or <c>c.Target.Is("expired")</c>.</param>
/// <param name="Value">
/// The value: null, a <see cref="string"/>, <see cref="bool"/>, <see cref="int"/>, <see cref="long"/>, <see cref="decimal"/>,
/// <see cref="Instant"/>, <see cref="LocalDate"/>, or a list of these; a grant is given by its id, a list of grants by their ids.
/// </param>
/// <param name="Error">Why the value could not be read (for example a fact not computed yet), in which case <paramref name="Value"/> is null.</param>
public sealed record TraceValue(string Expression, object? Value, string? Error = null)
{
    /// <summary>The value for a person, written invariantly: strings quoted, instants ISO-8601, decimals exactly (<c>12.50</c>), lists in brackets.</summary>
    public string Text => Error is null ? Format(Value) : $"({Error})";

    /// <inheritdoc />
    public override string ToString() => $"{Expression} = {Text}";

    internal static string Format(object? value)
    {
        switch (value)
        {
            case null: return "null";
            case string s: return Quote(s);
            case bool b: return b ? "true" : "false";
            case Instant i: return InstantPattern.ExtendedIso.Format(i);
            case LocalDate d: return LocalDatePattern.Iso.Format(d);
            case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
            case IDictionary<string, object?> map: return "{" + string.Join(", ", map.Select(kv => $"{kv.Key}: {Format(kv.Value)}")) + "}";
            case IEnumerable<object?> list: return "[" + string.Join(", ", list.Select(Format)) + "]";
            default: return Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        }
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(ch)) sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
