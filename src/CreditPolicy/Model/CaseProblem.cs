namespace CreditPolicy.Model;

/// <summary>One thing wrong with a case: where (JSON path, and line and column when read from text) and what was expected.</summary>
/// <param name="Path">The JSON path, for example <c>grants[1].remaining</c>; <c>$</c> for the whole document.</param>
/// <param name="Message">What is wrong and what was expected.</param>
/// <param name="Line">1-based line in the source text, when known.</param>
/// <param name="Column">1-based column in the source text, when known.</param>
public sealed record CaseProblem(string Path, string Message, int? Line = null, int? Column = null)
{
    /// <inheritdoc />
    public override string ToString() =>
        Line is { } line ? $"{Path} (line {line}, column {Column}): {Message}" : $"{Path}: {Message}";
}

/// <summary>Thrown when a case cannot be read or is inconsistent; lists every problem found.</summary>
public sealed class InvalidCaseException : Exception
{
    /// <summary>Creates the exception from the problems found, naming the source (a file name, or <c>-</c> for stdin).</summary>
    public InvalidCaseException(string source, IReadOnlyList<CaseProblem> problems)
        : base(FormatMessage(source, problems))
    {
        Source = source;
        Problems = problems;
    }

    /// <summary>Where the case came from.</summary>
    public new string Source { get; }

    /// <summary>Every problem found, in document order.</summary>
    public IReadOnlyList<CaseProblem> Problems { get; }

    private static string FormatMessage(string source, IReadOnlyList<CaseProblem> problems) =>
        $"The case in {source} is not valid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):"
        + string.Concat(problems.Select(p => Environment.NewLine + "  " + p));
}
