using CreditPolicy.Rules;

namespace CreditPolicy.Tests;

/// <summary>The bundled current terms (rules/versions/2026-11-24), loaded once and in force at every instant: the terms the oracle implements.</summary>
internal static class Bundled
{
    private static readonly Lazy<RuleSet> LazyRuleSet = new(() => RuleSet.Load(TestPaths.CurrentTerms));

    private static readonly Lazy<CreditPolicyEngine> LazyEngine = new(() => new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(LazyRuleSet.Value)));

    public static RuleSet RuleSet => LazyRuleSet.Value;

    public static CreditPolicyEngine Engine => LazyEngine.Value;
}
