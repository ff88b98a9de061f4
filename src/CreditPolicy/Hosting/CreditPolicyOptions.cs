namespace CreditPolicy;

/// <summary>Configures the <see cref="ICreditPolicy"/> registered by <see cref="CreditPolicyServiceCollectionExtensions.AddCreditPolicy"/>.</summary>
public sealed class CreditPolicyOptions
{
    /// <summary>The directory holding <c>terms.json</c> and the rule files. Required; relative paths resolve against the current directory.</summary>
    public string RulesDirectory { get; set; } = "";
}
