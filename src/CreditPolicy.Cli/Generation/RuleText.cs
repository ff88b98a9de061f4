using System.Text;
using System.Text.RegularExpressions;

namespace CreditPolicy.Cli.Generation;

/// <summary>Where a member path in a rule expression starts: <c>c.Account</c>, <c>g</c> (or <c>c.Target</c>), or <c>c.Request</c>.</summary>
internal enum MemberRoot
{
    Account,
    Grant,
    Request,
}

/// <summary>A member path as a rule expression reads it, such as <c>c.Account.BalanceMaintenance.Threshold</c>: its root and the member names after it.</summary>
internal sealed record MemberPath(MemberRoot Root, IReadOnlyList<string> Members);

/// <summary>Reads what the generator needs out of rule expressions as written: literals, calls and the members they read.</summary>
/// <remarks>
/// A light scanner, not a parser: the expressions were already parsed and checked when the rules loaded, so here it
/// only has to find string and number literals, the arguments of a call and the member paths an expression reads.
/// What it misreads costs a missed edge, never an invalid case (every case is read back against the vocabulary).
/// </remarks>
internal static partial class RuleText
{
    /// <summary>The string literals of an expression, unescaped, in order.</summary>
    public static IEnumerable<string> StringLiterals(string expression)
    {
        for (var i = 0; i < expression.Length; i++)
        {
            if (expression[i] != '"') continue;
            var text = new StringBuilder();
            var j = i + 1;
            for (; j < expression.Length && expression[j] != '"'; j++)
            {
                if (expression[j] == '\\' && j + 1 < expression.Length)
                {
                    j++;
                    text.Append(expression[j] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', var ch => ch });
                }
                else
                {
                    text.Append(expression[j]);
                }
            }

            yield return text.ToString();
            i = j;
        }
    }

    /// <summary>The decimal literals (<c>10m</c>, <c>0.01m</c>) of an expression.</summary>
    public static IEnumerable<decimal> DecimalLiterals(string expression) =>
        DecimalLiteral().Matches(WithoutStrings(expression))
            .Select(m => decimal.TryParse(m.Groups[1].Value, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var d) ? (decimal?)d : null)
            .Where(d => d is not null)
            .Select(d => d!.Value);

    /// <summary>The whole-number literals (<c>3</c>, not <c>3m</c> or <c>3.5</c>) of an expression.</summary>
    public static IEnumerable<long> IntegerLiterals(string expression) =>
        IntegerLiteral().Matches(WithoutStrings(expression))
            .Select(m => long.TryParse(m.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? (long?)n : null)
            .Where(n => n is not null)
            .Select(n => n!.Value);

    /// <summary>The argument texts of every call of <paramref name="method"/> (for example <c>Cal.PlusInZone</c>) in an expression.</summary>
    public static IEnumerable<IReadOnlyList<string>> Calls(string expression, string method)
    {
        var from = 0;
        while (true)
        {
            var at = IndexOutsideStrings(expression, method, from);
            if (at < 0) yield break;
            var i = at + method.Length;
            while (i < expression.Length && char.IsWhiteSpace(expression[i])) i++;
            from = at + method.Length;
            if (i >= expression.Length || expression[i] != '(') continue;
            if (at > 0 && (char.IsLetterOrDigit(expression[at - 1]) || expression[at - 1] == '_')) continue;

            var args = new List<string>();
            var depth = 0;
            var start = i + 1;
            for (var j = i + 1; j < expression.Length; j++)
            {
                var ch = expression[j];
                if (ch == '"')
                {
                    j = EndOfString(expression, j);
                    continue;
                }

                if (ch is '(' or '[' or '{') depth++;
                else if (ch is ')' or ']' or '}')
                {
                    if (depth == 0)
                    {
                        args.Add(expression[start..j].Trim());
                        break;
                    }

                    depth--;
                }
                else if (ch == ',' && depth == 0)
                {
                    args.Add(expression[start..j].Trim());
                    start = j + 1;
                }
            }

            yield return args;
        }
    }

    /// <summary>The member paths an expression reads from <c>c.Account</c>, <c>c.Request</c>, <c>c.Target</c> and <c>g</c>, in order.</summary>
    public static IEnumerable<MemberPath> Members(string expression)
    {
        foreach (Match m in MemberAccess().Matches(WithoutStrings(expression)))
        {
            var root = string.Concat(m.Groups[1].Value.Where(ch => !char.IsWhiteSpace(ch))) switch
            {
                "c.Account" => MemberRoot.Account,
                "c.Request" => MemberRoot.Request,
                _ => MemberRoot.Grant,
            };
            var members = m.Groups[2].Value.Split('.', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (members.Length > 0) yield return new MemberPath(root, members);
        }
    }

    /// <summary>The comparisons of two member paths (or <c>c.AsOf</c>) in an expression, such as <c>g.Remaining &lt;= g.Amount</c>: left, operator, right.</summary>
    public static IEnumerable<(string Left, string Operator, string Right)> Comparisons(string expression)
    {
        foreach (Match m in Comparison().Matches(WithoutStrings(expression)))
        {
            yield return (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
        }
    }

    /// <summary>The comparisons of a member path with a number literal or a named constant (<c>c.Account.Limit &gt; 0m</c>,
    /// <c>c.Request.Amount &lt;= GiftLimit</c>, <c>0 &lt; g.Amount</c>), the member on the left; the other side as written.</summary>
    public static IEnumerable<(string Member, string Operator, string Value)> ConstantComparisons(string expression)
    {
        var text = WithoutStrings(expression);
        foreach (Match m in MemberThenValue().Matches(text))
        {
            yield return (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
        }

        foreach (Match m in ValueThenMember().Matches(text))
        {
            var op = m.Groups[2].Value switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", var same => same };
            yield return (m.Groups[3].Value, op, m.Groups[1].Value);
        }
    }

    /// <summary>A number literal as written in an expression (<c>10</c>, <c>0.5m</c>, <c>-3L</c>), or null when the text is not one.</summary>
    public static decimal? Number(string text)
    {
        var digits = text.TrimEnd('m', 'M', 'l', 'L');
        return decimal.TryParse(digits, System.Globalization.NumberStyles.AllowDecimalPoint | System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }

    /// <summary>A condition of the form <c>member == "literal"</c> (literal given) or a bare boolean <c>member</c> (literal null).</summary>
    public static (string Member, string? Literal)? EqualsLiteral(string expression)
    {
        var m = MemberEqualsLiteral().Match(expression);
        if (m.Success) return (m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null);
        return null;
    }

    /// <summary>A requirement of the form <c>member != null</c> (true) or <c>member == null</c> (false).</summary>
    public static (string Member, bool NotNull)? NullTest(string expression)
    {
        var m = MemberNullTest().Match(expression);
        return m.Success ? (m.Groups[1].Value, m.Groups[2].Value == "!=") : null;
    }

    /// <summary>The expression with the contents of its string literals blanked, so nothing inside a literal is read as code.</summary>
    private static string WithoutStrings(string expression)
    {
        if (!expression.Contains('"', StringComparison.Ordinal)) return expression;
        var chars = expression.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] != '"') continue;
            var end = EndOfString(expression, i);
            for (var k = i + 1; k < end && k < chars.Length; k++) chars[k] = ' ';
            i = end;
        }

        return new string(chars);
    }

    private static int EndOfString(string expression, int open)
    {
        for (var j = open + 1; j < expression.Length; j++)
        {
            if (expression[j] == '\\') j++;
            else if (expression[j] == '"') return j;
        }

        return expression.Length;
    }

    private static int IndexOutsideStrings(string expression, string value, int from)
    {
        for (var i = from; i < expression.Length; i++)
        {
            if (expression[i] == '"')
            {
                i = EndOfString(expression, i);
                continue;
            }

            if (string.CompareOrdinal(expression, i, value, 0, value.Length) == 0) return i;
        }

        return -1;
    }

    private const string Member = @"(?:c\.AsOf|c\.Account(?:\.[A-Za-z_]\w*)+|c\.Request(?:\.[A-Za-z_]\w*)+|g(?:\.[A-Za-z_]\w*)+)";

    [GeneratedRegex(@"(?<![\w.])(" + Member + @")\s*(<=|>=|==|<|>)\s*(" + Member + @")(?![\w(])")]
    private static partial Regex Comparison();

    private const string Value = @"-?\d+(?:\.\d+)?[mMlL]?|[A-Z][A-Za-z0-9]*";

    [GeneratedRegex(@"(?<![\w.])(" + Member + @")\s*(<=|>=|==|<|>)\s*(" + Value + @")(?![\w.(])")]
    private static partial Regex MemberThenValue();

    [GeneratedRegex(@"(?<![\w.])(" + Value + @")\s*(<=|>=|==|<|>)\s*(" + Member + @")(?![\w(])")]
    private static partial Regex ValueThenMember();

    [GeneratedRegex(@"^\s*(" + Member + @")\s*(?:==\s*""([^""\\]*)"")?\s*$")]
    private static partial Regex MemberEqualsLiteral();

    [GeneratedRegex(@"^\s*(" + Member + @")\s*(==|!=)\s*null\s*$")]
    private static partial Regex MemberNullTest();

    [GeneratedRegex(@"(?<![\w.])(\d+(?:\.\d+)?)[mM](?!\w)")]
    private static partial Regex DecimalLiteral();

    [GeneratedRegex(@"(?<![\w.])\d+(?![\w.])")]
    private static partial Regex IntegerLiteral();

    [GeneratedRegex(@"(?<![\w.])(c\s*\.\s*Account|c\s*\.\s*Request|c\s*\.\s*Target|g)((?:\s*\.\s*[A-Za-z_]\w*)+)")]
    private static partial Regex MemberAccess();
}
