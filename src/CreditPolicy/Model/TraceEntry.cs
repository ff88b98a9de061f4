namespace CreditPolicy.Model;

/// <summary>One rule run during an evaluation: which rule, for which grant, whether it fired, what it produced and the values it looked at.</summary>
/// <param name="Rule">The rule name.</param>
/// <param name="Clause">The rule's clause.</param>
/// <param name="Scope"><c>grant</c> or <c>request</c>.</param>
/// <param name="GrantId">The grant a grant rule ran for; null for request rules.</param>
/// <param name="Fired">Whether the rule's expression held.</param>
/// <param name="Detail">What the rule produced when it fired (for example the expiry it proposed).</param>
public sealed record TraceEntry(string Rule, string Clause, string Scope, string? GrantId, bool Fired, string? Detail)
{
    /// <summary>The facts the rule's expressions read, each as written in the rule (for example <c>g.Expiry</c>) with its value when the rule ran.</summary>
    /// <remarks>
    /// Read just after the rule ran, for the same case and grant, in the order they first appear in the rule. A
    /// request rule lists only facts of <c>c</c>: per-grant expressions such as <c>drawOrder</c> are not one value.
    /// </remarks>
    public IReadOnlyList<TraceValue> Values { get; init; } = [];
}

/// <summary>A decision together with every rule run to reach it, in order: what <c>explain</c> shows.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="Trace">Every rule run, in order.</param>
public sealed record Explanation(Decision Decision, IReadOnlyList<TraceEntry> Trace);
