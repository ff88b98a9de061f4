namespace CreditPolicy.Schemas;

/// <summary>The kinds of file CreditPolicy has a JSON Schema for, each in <c>rules/schema/</c>.</summary>
public enum SchemaKind
{
    /// <summary>A rule file: one RulesEngine workflow (<c>rule-file.schema.json</c>).</summary>
    RuleFile,
    /// <summary>The <c>terms.json</c> manifest of a rule directory (<c>terms.schema.json</c>).</summary>
    Terms,
    /// <summary>A case (<c>case.schema.json</c>).</summary>
    Case,
    /// <summary>A scenario under <c>rules/tests/</c> (<c>scenario.schema.json</c>).</summary>
    Scenario,
}
