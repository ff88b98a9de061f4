using System.Globalization;
using System.Text;
using CreditPolicy.FileSystem;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Evaluation;
using CreditPolicy.Rules;
using Microsoft.Win32.SafeHandles;

namespace CreditPolicy.Records;

/// <summary>A decision sink that appends one JSON line per decision to a file: <c>{"case":…,"decision":…}</c>.</summary>
/// <remarks>
/// <para>The case is written in its canonical form (<see cref="CanonicalCase"/>) and the decision exactly as
/// <see cref="DecisionJson"/> writes it on one line, record included, so <see cref="Read(TextReader, RuleCatalogue, Action{DecisionLogProblem})"/>
/// gives back each case and the decision's bytes, and re-evaluating the case under the recorded rule set reproduces them.</para>
/// <para>What a returned decision is guaranteed, for a log opened on a path:</para>
/// <list type="bullet">
/// <item>Its line was handed to the operating system whole, in one write, before <see cref="Write"/> returned (not
/// <c>fsync</c>ed: a power cut can still lose it, a crash of the process cannot). Writes are serialised by a lock, so
/// concurrent deciders never interleave lines.</item>
/// <item>A write that fails (a full disk, an I/O error) throws <see cref="IOException"/>, so no decision is returned, and
/// the file is cut back to where it was: no part of that line stays, and none appears later. Nothing is kept in a buffer.</item>
/// <item>Every process starts on a fresh line: a file that ends in the middle of a line (a process killed mid-write) gets
/// a line feed before the first new line, so the torn line never swallows the next one.</item>
/// <item>A file deleted or renamed away while open (for example by log rotation) is noticed at the next write, which
/// reopens the path, creating a new file. A line that raced a deletion is written again to the new file, so no returned
/// decision's line lives only in a deleted file.</item>
/// </list>
/// <para>The path must be a regular file (or not exist yet): a FIFO or a device is refused without blocking. One process
/// should own a log file. <see cref="Dispose"/> never throws.</para>
/// </remarks>
public sealed class NdjsonDecisionLog : IDecisionSink, IDisposable
{
    private const string CaseKey = "{\"case\":";
    private const string DecisionKey = ",\"decision\":";

    /// <summary>How many places in a line <see cref="Read(TextReader, RuleCatalogue, Action{DecisionLogProblem})"/> tries for an entry after an unfinished one.</summary>
    private const int MaxRecoveryAttempts = 16;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly object _gate = new();
    private readonly TextWriter? _writer;
    private SafeFileHandle? _file;
    private FileIdentity? _identity;
    private bool _checkTail = true;
    private bool _disposed;

    /// <summary>Opens (or creates) a log file for appending.</summary>
    /// <exception cref="ArgumentException">Thrown when <paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">Thrown when the file cannot be opened for appending, or is not a regular file (a FIFO, a device, a folder).</exception>
    /// <exception cref="UnauthorizedAccessException">Thrown when the file may not be written.</exception>
    public NdjsonDecisionLog(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        (_file, _identity) = Open(Path);
    }

    /// <summary>Writes the log to a text writer the caller owns (for example standard output).</summary>
    /// <remarks>Each line is written with one call and flushed; a writer that fails cannot be cut back, so the file guarantees above do not hold.</remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="writer"/> is null.</exception>
    public NdjsonDecisionLog(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>The full path of the log file, or null when writing to a caller's writer.</summary>
    public string? Path { get; }

    /// <inheritdoc />
    /// <exception cref="IOException">Thrown when the line could not be written whole; nothing of it remains in the file.</exception>
    /// <exception cref="ObjectDisposedException">Thrown when the log has been disposed.</exception>
    public void Write(CreditCase @case, Decision decision)
    {
        var line = Line(@case, decision);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_writer is not null)
            {
                _writer.Write(line + "\n");
                _writer.Flush();
                return;
            }

            var bytes = Utf8.GetBytes(line + "\n");
            ReopenIfMoved();
            Append(bytes);

            // Deleted while the line was written: it went nowhere, so write it again where the path now leads.
            if (UnixFiles.IsAvailable && UnixFiles.Status(_file!).Links == 0)
            {
                ReopenIfMoved();
                Append(bytes);
            }
        }
    }

    /// <summary>The log line for one decision, without the line feed.</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static string Line(CreditCase @case, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(@case);
        ArgumentNullException.ThrowIfNull(decision);
        return CaseKey + CanonicalCase.Serialize(@case) + DecisionKey + DecisionJson.Serialize(decision, indented: false) + "}";
    }

    /// <summary>Reads a decision log back strictly: each line's case and the decision's exact JSON text, failing at the first line that is not an entry.</summary>
    /// <remarks>
    /// Empty lines are skipped. Entries are produced lazily, so a log of any size is read in constant memory. A log a
    /// crashed process wrote to may hold an unfinished line; read it with <see cref="Read(TextReader, RuleCatalogue, Action{DecisionLogProblem})"/>.
    /// </remarks>
    /// <param name="log">The log's text.</param>
    /// <param name="rules">The rules whose vocabulary each line's case is read against.</param>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    /// <exception cref="InvalidDataException">Thrown when a line is not a decision log line; the message names the line.</exception>
    public static IEnumerable<DecisionLogEntry> Read(TextReader log, RuleCatalogue rules)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(rules);
        return ReadLines(log, rules, null);
    }

    /// <summary>Reads a decision log back, skipping every line (or start of a line) that is not an entry and reporting it to <paramref name="skipped"/>.</summary>
    /// <remarks>
    /// <para>A process killed mid-write leaves an unfinished line. Logs written since these guarantees start the next entry on a
    /// new line, so the unfinished line is reported and skipped. A log written before them may hold an unfinished line with
    /// the next process's entry appended to it; that entry is read, and the unfinished start reported.</para>
    /// <para>Entries are produced lazily, and each problem is reported before the next entry is produced.</para>
    /// <code>
    /// foreach (var entry in NdjsonDecisionLog.Read(reader, p => Console.Error.WriteLine(p))) { … }
    /// </code>
    /// </remarks>
    /// <param name="log">The log's text.</param>
    /// <param name="rules">The rules whose vocabulary each line's case is read against.</param>
    /// <param name="skipped">Receives each line, or start of a line, that is not an entry.</param>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static IEnumerable<DecisionLogEntry> Read(TextReader log, RuleCatalogue rules, Action<DecisionLogProblem> skipped)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(skipped);
        return ReadLines(log, rules, skipped);
    }

    /// <summary>Closes the file (or flushes the caller's writer); later writes throw. Never throws.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            try
            {
                if (_writer is not null) _writer.Flush();
                else _file?.Dispose();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException or NotSupportedException)
            {
                // Every line that mattered was written, or its Write threw: a failure to flush or close has nothing left to lose.
            }
        }
    }

    private static (SafeFileHandle File, FileIdentity? Identity) Open(string path)
    {
        if (!UnixFiles.IsAvailable)
        {
            // Elsewhere .NET has no file kinds to check; a folder is refused by the open itself.
            return (File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read), null);
        }

        // Non-blocking: opening a FIFO for writing would otherwise wait for a reader, for ever if none comes.
        var file = UnixFiles.OpenForAppending(path);
        try
        {
            var status = UnixFiles.Status(file);
            if (status.Kind != FileKind.Regular) throw new IOException($"it is {FileKinds.Describe(status.Kind)}, not a regular file");
            return (file, status.Identity);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reopens the path when the open file is no longer the file there (deleted, or renamed away by log rotation).</summary>
    private void ReopenIfMoved()
    {
        if (!UnixFiles.IsAvailable || _identity is not { } identity) return;
        var here = UnixFiles.TryStatus(Path!, followLinks: true, out var atPath, out _) && atPath.Identity == identity;
        if (here && UnixFiles.Status(_file!).Links > 0) return;

        var (file, newIdentity) = Open(Path!);
        _file!.Dispose();
        (_file, _identity, _checkTail) = (file, newIdentity, true);
    }

    /// <summary>Appends the line in one write; on failure cuts the file back to its length before, so no part of it remains.</summary>
    private void Append(byte[] line)
    {
        var file = _file!;
        var before = RandomAccess.GetLength(file);
        if (_checkTail && before > 0)
        {
            // A process killed mid-write left an unfinished line: end it, so it does not swallow this one.
            Span<byte> last = stackalloc byte[1];
            if (RandomAccess.Read(file, last, before - 1) == 1 && last[0] != (byte)'\n') line = [(byte)'\n', .. line];
        }

        try
        {
            // With O_APPEND (Linux) the kernel appends whatever the offset; elsewhere the offset is the end.
            RandomAccess.Write(file, line, before);
            _checkTail = false;
        }
        catch (IOException ex)
        {
            var cut = "";
            try
            {
                RandomAccess.SetLength(file, before);
            }
            catch (IOException again)
            {
                // The next write looks at the file's end again and starts a fresh line.
                cut = $"; cutting the partial line off failed too ({again.Message})";
                _checkTail = true;
            }

            throw new IOException($"The decision log {Path} could not be written, so the decision is not returned: {ex.Message}{cut}", ex);
        }
    }

    private static IEnumerable<DecisionLogEntry> ReadLines(TextReader log, RuleCatalogue rules, Action<DecisionLogProblem>? skipped)
    {
        var number = 0;
        while (log.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0) continue;
            var (entry, problem) = ParseLine(line, number, rules);
            if (entry is null && skipped is not null)
            {
                var (recovered, at) = Recover(line, number, rules);
                if (recovered is not null)
                {
                    skipped(new DecisionLogProblem(number, $"the first {at} characters are an unfinished line (a write cut short, for example by a crash) and were skipped; the entry after them was read"));
                    yield return recovered;
                    continue;
                }
            }

            if (entry is not null)
            {
                yield return entry;
            }
            else if (skipped is null)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"decision log line {number}: {problem}"));
            }
            else
            {
                skipped(new DecisionLogProblem(number, problem!));
            }
        }
    }

    /// <summary>The entry that follows an unfinished line on the same line, as logs written before fresh-line starts can hold.</summary>
    private static (DecisionLogEntry? Entry, int At) Recover(string line, int number, RuleCatalogue rules)
    {
        var at = 0;
        for (var attempt = 0; attempt < MaxRecoveryAttempts; attempt++)
        {
            at = line.IndexOf(CaseKey, at + 1, StringComparison.Ordinal);
            if (at < 0) break;
            if (ParseLine(line[at..], number, rules).Entry is { } entry) return (entry, at);
        }

        return (null, 0);
    }

    private static (DecisionLogEntry? Entry, string? Problem) ParseLine(string line, int number, RuleCatalogue rules)
    {
        try
        {
            // The whole line first: an unfinished line (a write cut short) is not JSON.
            using var document = System.Text.Json.JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return (null, "expected an object with case and decision");
        }
        catch (System.Text.Json.JsonException ex)
        {
            return (null, "not valid JSON (an unfinished line?): " + ex.Message);
        }

        // The case, written first, cannot contain the decision key: its keys are declared names and quotes inside strings are escaped.
        var at = line.IndexOf(DecisionKey, StringComparison.Ordinal);
        if (!line.StartsWith(CaseKey, StringComparison.Ordinal) || at < 0 || line[^1] != '}' || line[at + DecisionKey.Length] != '{')
        {
            return (null, "expected {\"case\":…,\"decision\":{…}} as the log writes it");
        }

        var read = rules.ReadCase(line[CaseKey.Length..at]);
        if (!read.IsValid) return (null, "case: " + string.Join("; ", read.Problems));
        return (new DecisionLogEntry(number, read.Case!, line[(at + DecisionKey.Length)..^1]), null);
    }
}

/// <summary>One line of a decision log.</summary>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Case">The case the decision answered.</param>
/// <param name="Decision">The decision's JSON exactly as logged (one line, as <see cref="DecisionJson.Serialize(Decision, bool)"/> writes it unindented).</param>
public sealed record DecisionLogEntry(int Line, CreditCase Case, string Decision);

/// <summary>A line of a decision log, or the start of one, that is not an entry and was skipped by <see cref="NdjsonDecisionLog.Read(TextReader, RuleCatalogue, Action{DecisionLogProblem})"/>.</summary>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Message">What was skipped and why, for example that the line is not valid JSON.</param>
public sealed record DecisionLogProblem(int Line, string Message)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"decision log line {Line}: {Message}");
}
