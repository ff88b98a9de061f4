namespace CreditPolicy.Rules;

/// <summary>A loaded rule as authors wrote it: where it is, what it enforces and what it does.</summary>
/// <param name="Name">The stable kebab-case <c>RuleName</c>.</param>
/// <param name="Clause">The clause of the terms it enforces.</param>
/// <param name="Workflow">The workflow it belongs to.</param>
/// <param name="File">The rule file, relative to the rule directory.</param>
/// <param name="Scope"><c>grant</c> or <c>request</c>.</param>
/// <param name="Effect">What it does when its expression holds.</param>
/// <param name="AppliesTo">The request types a request rule runs for; empty for grant rules.</param>
/// <param name="Expression">The condition, as written.</param>
/// <param name="Message">The <c>SuccessEvent</c> a decision cites.</param>
/// <param name="Enabled">False when the rule is switched off with <c>"Enabled": false</c>.</param>
/// <param name="Unconditional">True when the expression is the constant <c>true</c>: the rule decides every request it applies to.</param>
public sealed record RuleInfo(
    string Name,
    string Clause,
    string Workflow,
    string File,
    string Scope,
    string Effect,
    IReadOnlyList<string> AppliesTo,
    string Expression,
    string Message,
    bool Enabled,
    bool Unconditional);
