using System.Globalization;
using System.Text;
using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy.Records;

/// <summary>A decision sink that appends one JSON line per decision to a file: <c>{"case":…,"decision":…}</c>.</summary>
/// <remarks>
/// The case is written in its canonical form (<see cref="CanonicalCase"/>) and the decision exactly as
/// <see cref="DecisionJson"/> writes it on one line, record included, so <see cref="Read"/> gives back each
/// case and the decision's bytes, and re-evaluating the case under the recorded rule set reproduces them.
/// Writes are serialised by a lock and each line is flushed to the operating system before
/// <see cref="Write"/> returns, so concurrent deciders never interleave lines and a crash loses no
/// returned decision's line short of an operating-system failure. One process should own a log file.
/// </remarks>
public sealed class NdjsonDecisionLog : IDecisionSink, IDisposable
{
    private const string CaseKey = "{\"case\":";

    private const string DecisionKey = ",\"decision\":";

    private readonly object _gate = new();
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private bool _disposed;

    /// <summary>Opens (or creates) a log file for appending.</summary>
    /// <exception cref="ArgumentException">Thrown when <paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">Thrown when the file cannot be opened for appending.</exception>
    /// <exception cref="UnauthorizedAccessException">Thrown when the file may not be written.</exception>
    public NdjsonDecisionLog(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16) { NewLine = "\n" };
        _ownsWriter = true;
    }

    /// <summary>Writes the log to a text writer the caller owns (for example standard output).</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="writer"/> is null.</exception>
    public NdjsonDecisionLog(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _ownsWriter = false;
    }

    /// <summary>The full path of the log file, or null when writing to a caller's writer.</summary>
    public string? Path { get; }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">Thrown when the log has been disposed.</exception>
    public void Write(CreditCase @case, Decision decision)
    {
        var line = Line(@case, decision);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writer.Write(line);
            _writer.Write('\n');
            _writer.Flush();
        }
    }

    /// <summary>The log line for one decision, without the line feed.</summary>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    public static string Line(CreditCase @case, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(@case);
        ArgumentNullException.ThrowIfNull(decision);
        return "{\"case\":" + CanonicalCase.Serialize(@case) + DecisionKey + DecisionJson.Serialize(decision, indented: false) + "}";
    }

    /// <summary>Reads a decision log back: each line's case (read against the rules' vocabulary) and the decision's exact JSON text.</summary>
    /// <remarks>Empty lines are skipped. Entries are produced lazily, so a log of any size is read in constant memory.</remarks>
    /// <exception cref="ArgumentNullException">Thrown when an argument is null.</exception>
    /// <exception cref="InvalidDataException">Thrown when a line is not a decision log line; the message names the line.</exception>
    public static IEnumerable<DecisionLogEntry> Read(TextReader log, RuleCatalogue rules)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(rules);
        return ReadLines(log, rules);
    }

    private static IEnumerable<DecisionLogEntry> ReadLines(TextReader log, RuleCatalogue rules)
    {
        var number = 0;
        while (log.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0) continue;
            yield return ParseLine(line, number, rules);
        }
    }

    private static DecisionLogEntry ParseLine(string line, int number, RuleCatalogue rules)
    {
        // The case, written first, cannot contain the decision key: its keys are declared names and quotes inside strings are escaped.
        var at = line.IndexOf(DecisionKey, StringComparison.Ordinal);
        if (!line.StartsWith(CaseKey, StringComparison.Ordinal) || at < 0 || line[^1] != '}')
        {
            throw Bad(number, "expected {\"case\":…,\"decision\":…} as the log writes it");
        }

        var read = rules.ReadCase(line[CaseKey.Length..at]);
        if (!read.IsValid) throw Bad(number, "case: " + string.Join("; ", read.Problems));
        return new DecisionLogEntry(number, read.Case!, line[(at + DecisionKey.Length)..^1]);
    }

    private static InvalidDataException Bad(int line, string message) =>
        new(string.Create(CultureInfo.InvariantCulture, $"decision log line {line}: {message}"));

    /// <summary>Flushes and closes the file; later writes throw.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            if (_ownsWriter) _writer.Dispose();
            else _writer.Flush();
        }
    }
}

/// <summary>One line of a decision log.</summary>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Case">The case the decision answered.</param>
/// <param name="Decision">The decision's JSON exactly as logged (one line, as <see cref="DecisionJson.Serialize(Decision, bool)"/> writes it unindented).</param>
public sealed record DecisionLogEntry(int Line, CreditCase Case, string Decision);
