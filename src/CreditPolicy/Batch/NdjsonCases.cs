using System.Buffers;
using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;

namespace CreditPolicy.Batch;

/// <summary>One line of an NDJSON file of cases: its 1-based number and its bytes (UTF-8, without the line feed).</summary>
/// <param name="Number">The 1-based line number.</param>
/// <param name="Utf8">The line's bytes, without its terminator (a trailing carriage return is dropped too).</param>
/// <param name="TooLong">Whether the line was longer than a case may be; its bytes are then not kept.</param>
internal readonly record struct NdjsonLine(long Number, ReadOnlyMemory<byte> Utf8, bool TooLong = false)
{
    /// <summary>The line as text, for messages and tests.</summary>
    public string Text => Encoding.UTF8.GetString(Utf8.Span);
}

/// <summary>One line read as a case: the case, or the problems that stopped it being one.</summary>
/// <param name="Line">The line number.</param>
/// <param name="AccountId">The account id, when the line is a valid case.</param>
/// <param name="Case">The case, when the line is a valid case.</param>
/// <param name="Problems">What is wrong with the line; empty for a valid case.</param>
internal sealed record NdjsonCase(long Line, string? AccountId, CreditCase? Case, IReadOnlyList<CaseProblem> Problems);

/// <summary>Reads NDJSON files of cases line by line, as bytes, without holding the file in memory.</summary>
/// <remarks>
/// Lines are split on the byte 0x0A and kept as bytes: each is checked as strict UTF-8 by the case reader, never decoded
/// with replacement characters on the way. A line longer than a case may be is skipped to its end without being kept, and
/// reported as too long. A UTF-8 byte-order mark at the very start of the stream is ignored, as for a single case.
/// </remarks>
internal static class NdjsonCases
{
    /// <summary>Every non-blank line of <paramref name="stream"/>, numbered from 1 (blank lines keep their numbers but are skipped).</summary>
    public static IEnumerable<NdjsonLine> Lines(Stream stream, int maxLineBytes = CaseLimits.MaxBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[64 * 1024];
        var start = 0;
        var end = 0;
        long number = 0;
        var skipping = false;
        var first = true;
        while (true)
        {
            var read = stream.Read(buffer, end, buffer.Length - end);
            var eof = read == 0;
            end += read;
            if (first && end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) start = 3;
            if (first && (end >= 3 || eof)) first = false;

            while (true)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (newline < 0) break;
                number++;
                if (skipping)
                {
                    skipping = false;
                    yield return new NdjsonLine(number, ReadOnlyMemory<byte>.Empty, TooLong: true);
                }
                else if (Line(buffer, start, newline) is { } line)
                {
                    yield return new NdjsonLine(number, line);
                }

                start = newline + 1;
            }

            if (eof)
            {
                if (skipping)
                {
                    yield return new NdjsonLine(++number, ReadOnlyMemory<byte>.Empty, TooLong: true);
                }
                else if (start < end)
                {
                    number++;
                    if (Line(buffer, start, end) is { } last) yield return new NdjsonLine(number, last);
                }

                yield break;
            }

            // Keep the unfinished line: move it to the front, grow the buffer up to the limit, or skip past it.
            var pending = end - start;
            if (skipping)
            {
                start = end = 0;
            }
            else if (pending > maxLineBytes)
            {
                skipping = true;
                start = end = 0;
            }
            else
            {
                if (start > 0) Buffer.BlockCopy(buffer, start, buffer, 0, pending);
                start = 0;
                end = pending;
                if (end == buffer.Length) Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxLineBytes + 2));
            }
        }
    }

    private static ReadOnlyMemory<byte>? Line(byte[] buffer, int start, int end)
    {
        if (end > start && buffer[end - 1] == '\r') end--;
        var span = buffer.AsSpan(start, end - start);
        if (span.Trim(" \t\r"u8).IsEmpty) return null;
        return span.ToArray();
    }

    /// <summary>Reads one line as a case; never throws for bad content.</summary>
    public static NdjsonCase Read(NdjsonLine line, ICreditPolicy policy)
    {
        if (line.TooLong)
        {
            return new NdjsonCase(line.Number, null, null,
                [new CaseProblem("$", $"the line is longer than {CaseLimits.MaxBytes:N0} bytes; a case is one account snapshot")]);
        }

        var read = policy.ReadCase(line.Utf8.Span);
        return new NdjsonCase(line.Number, read.Case?.Account.Id, read.Case, read.Problems);
    }

    /// <summary>The shard (0-based, of <paramref name="shards"/>) a line belongs to: by account id, or by the line's bytes when it is not a valid case.</summary>
    /// <remarks>FNV-1a over UTF-8, so every machine and every run agrees on the split.</remarks>
    public static int ShardOf(string? accountId, ReadOnlySpan<byte> line, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        var hash = 14695981039346656037UL;
        var key = accountId is null ? line : Encoding.UTF8.GetBytes(accountId);
        foreach (var b in key)
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return (int)(hash % (ulong)shards);
    }
}
