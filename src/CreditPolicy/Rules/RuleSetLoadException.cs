namespace CreditPolicy.Rules;

/// <summary>One reason a rule set could not load: the file, workflow and rule it is in, and the cause.</summary>
/// <param name="File">The rule file, relative to the rule directory.</param>
/// <param name="Workflow">The workflow name, when known.</param>
/// <param name="Rule">The rule name, when the problem is in one rule.</param>
/// <param name="Message">What is wrong; for an expression, the parser's message and which expression.</param>
/// <param name="Line">1-based line in the file, when known.</param>
public sealed record RuleProblem(string File, string? Workflow, string? Rule, string Message, int? Line = null)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var where = Line is { } line ? $"{File}:{line}" : File;
        if (Workflow is not null) where += $": workflow '{Workflow}'";
        if (Rule is not null) where += $", rule '{Rule}'";
        return $"{where}: {Message}";
    }
}

/// <summary>Thrown when a rule set does not load; lists every problem found in every file.</summary>
/// <remarks>A rule set with one bad rule does not load at all: the evaluator never runs on part of the terms.</remarks>
public sealed class RuleSetLoadException : Exception
{
    /// <summary>Creates the exception from the directory and every problem found.</summary>
    public RuleSetLoadException(string directory, IReadOnlyList<RuleProblem> problems)
        : base($"The rule set in {directory} did not load ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):"
            + string.Concat(problems.Select(p => Environment.NewLine + "  " + p)))
    {
        Directory = directory;
        Problems = problems;
    }

    /// <summary>The rule directory.</summary>
    public string Directory { get; }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<RuleProblem> Problems { get; }
}
