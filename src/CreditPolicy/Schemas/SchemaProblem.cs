namespace CreditPolicy.Schemas;

/// <summary>One place where a file does not follow its schema: the file, line and JSON path, and what was expected.</summary>
/// <param name="File">The file, relative to the directory checked (for example <c>tests/deny/refund-denied.json</c>).</param>
/// <param name="Line">1-based line, when known.</param>
/// <param name="Column">1-based column, when known.</param>
/// <param name="Path">The JSON path, for example <c>Rules[0].Expresion</c>; <c>$</c> for the whole document.</param>
/// <param name="Message">What is wrong and what was expected.</param>
/// <param name="Workflow">For a problem inside a rule of a rule file: the file's workflow name, when it has one.</param>
/// <param name="Rule">For a problem inside a rule of a rule file: the rule's name, when it has one.</param>
internal sealed record SchemaProblem(string File, int? Line, int? Column, string Path, string Message, string? Workflow = null, string? Rule = null)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{File}{(Line is { } line ? $":{line}" : "")}: {(Rule is null ? "" : $"workflow '{Workflow}', rule '{Rule}': ")}{Path}: {Message}";
}
