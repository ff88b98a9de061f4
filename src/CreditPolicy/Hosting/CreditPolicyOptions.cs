namespace CreditPolicy;

/// <summary>Configures the <see cref="ICreditPolicy"/> registered by <see cref="CreditPolicyServiceCollectionExtensions.AddCreditPolicy"/>.</summary>
public sealed class CreditPolicyOptions
{
    /// <summary>The default of <see cref="MaxStepsPerDecision"/>: one million.</summary>
    public const long DefaultMaxStepsPerDecision = Rules.StepBudget.DefaultLimit;

    /// <summary>The directory holding <c>terms.json</c> and the rule files. Required; relative paths resolve against the current directory.</summary>
    public string RulesDirectory { get; set; } = "";

    /// <summary>The most work the rules may do in one decision, in steps; more makes the decision indeterminate. Default one million.</summary>
    /// <remarks>
    /// A step is one element visited by a sequence operator in a rule expression, one call of a lambda passed to
    /// one, or one grant summed by a fact such as <c>c.Available</c>. The bundled rules take a few steps per grant;
    /// the budget is there for a rule that does quadratic or worse work on a case with many grants.
    /// </remarks>
    public long MaxStepsPerDecision { get; set; } = DefaultMaxStepsPerDecision;
}
