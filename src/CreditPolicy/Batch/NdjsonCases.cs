using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Batch;

/// <summary>One line of an NDJSON file of cases: its 1-based number and text.</summary>
/// <param name="Number">The 1-based line number.</param>
/// <param name="Text">The line without its terminator.</param>
public readonly record struct NdjsonLine(long Number, string Text);

/// <summary>One line read as a case: the case, or the problems that stopped it being one.</summary>
/// <param name="Line">The line number.</param>
/// <param name="AccountId">The account id, when the line names one (even if the case is otherwise invalid).</param>
/// <param name="Case">The case, when the line is a valid case.</param>
/// <param name="Problems">What is wrong with the line; empty for a valid case.</param>
public sealed record NdjsonCase(long Line, string? AccountId, CreditCase? Case, IReadOnlyList<CaseProblem> Problems);

/// <summary>Reads NDJSON files of cases line by line, without holding the file in memory.</summary>
public static class NdjsonCases
{
    /// <summary>Every non-blank line of <paramref name="reader"/>, numbered from 1 (blank lines keep their numbers but are skipped).</summary>
    public static IEnumerable<NdjsonLine> Lines(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long number = 0;
        while (reader.ReadLine() is { } text)
        {
            number++;
            if (!string.IsNullOrWhiteSpace(text)) yield return new NdjsonLine(number, text);
        }
    }

    /// <summary>Reads one line as a case; never throws for bad content.</summary>
    public static NdjsonCase Read(NdjsonLine line)
    {
        // A plain valid case is read fast; the walker reads everything else, and words every problem.
        return line.Text is not null && FastCaseReader.TryRead(line.Text) is { } @case
            ? new NdjsonCase(line.Number, @case.Account.Id, @case, [])
            : ReadSlow(line);
    }

    /// <summary>Reads one line with the token walker alone: the path every problem is worded on, kept callable to test the fast path against.</summary>
    internal static NdjsonCase ReadSlow(NdjsonLine line)
    {
        JToken token;
        try
        {
            using var reader = CaseJson.CreateReader(new StringReader(line.Text));
            token = JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load, DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
            if (reader.Read())
            {
                return new NdjsonCase(line.Number, null, null, [new CaseProblem("$", "unexpected content after the case object; one case per line", 1, reader.LinePosition)]);
            }
        }
        catch (JsonReaderException)
        {
            // CaseJson.Read words the same failure with path and column.
            return new NdjsonCase(line.Number, null, null, CaseJson.Read(line.Text).Problems);
        }

        var accountId = token is JObject o && o["account"] is JObject a && a["id"] is JValue { Type: JTokenType.String } id ? (string)id! : null;
        var read = CaseJson.FromToken(token);
        return new NdjsonCase(line.Number, accountId, read.Case, read.Problems);
    }

    /// <summary>The shard (0-based, of <paramref name="shards"/>) a line belongs to: by account id, or by the line's text when it names none.</summary>
    /// <remarks>FNV-1a over UTF-8, so every machine and every run agrees on the split.</remarks>
    public static int ShardOf(string? accountId, string lineText, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        var key = accountId ?? lineText;
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return (int)(hash % (ulong)shards);
    }
}
