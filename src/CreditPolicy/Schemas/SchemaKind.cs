namespace CreditPolicy.Schemas;

/// <summary>The kinds of rule-directory file CreditPolicy has a JSON Schema for.</summary>
internal enum SchemaKind
{
    /// <summary>A rule file: one RulesEngine workflow (<c>rule-file.schema.json</c>).</summary>
    RuleFile,
    /// <summary>The <c>terms.json</c> manifest of a rule directory (<c>terms.schema.json</c>).</summary>
    Terms,
    /// <summary>The <c>vocabulary.json</c> of a version (<c>vocabulary.schema.json</c>).</summary>
    Vocabulary,
    /// <summary>A scenario under <c>tests/</c> (<c>scenario.schema.json</c>).</summary>
    Scenario,
}
