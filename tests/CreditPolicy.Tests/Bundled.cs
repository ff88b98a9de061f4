using CreditPolicy.Rules;

namespace CreditPolicy.Tests;

/// <summary>The bundled rules under rules/, loaded once for the whole test run.</summary>
internal static class Bundled
{
    private static readonly Lazy<RuleSet> LazyRuleSet = new(() => RuleSet.Load(TestPaths.Rules));

    private static readonly Lazy<CreditPolicyEngine> LazyEngine = new(() => new CreditPolicyEngine(LazyRuleSet.Value));

    public static RuleSet RuleSet => LazyRuleSet.Value;

    public static CreditPolicyEngine Engine => LazyEngine.Value;
}
