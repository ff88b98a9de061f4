using CreditPolicy.Rules;

namespace CreditPolicy.Tests;

/// <summary>The repository's rules, loaded once for every test that only reads them.</summary>
internal static class BundledRules
{
    private static readonly Lazy<RuleSet> Set = new(() => RuleSet.Load(TestPaths.CurrentTerms));

    public static RuleSet RuleSet => Set.Value;

    public static CreditPolicyEngine Engine { get; } = new(RuleSet);
}
