using CreditPolicy.Rules;

namespace CreditPolicy.Tests;

/// <summary>The bundled terms (rules/), loaded once for every test that only reads them.</summary>
internal static class BundledRules
{
    private static readonly Lazy<RuleSet> Set = new(() => RuleSet.Load(TestPaths.CurrentTerms));

    private static readonly Lazy<RuleCatalogue> Catalogues = new(() => RuleCatalogue.Of(Set.Value));

    private static readonly Lazy<CreditPolicyEngine> Engines = new(() => new CreditPolicyEngine(Catalogues.Value));

    private static readonly Lazy<CreditPolicyEngine> AlwaysInForceEngine = new(() => new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(Set.Value)));

    public static RuleSet RuleSet => Set.Value;

    /// <summary>The bundled terms as a catalogue: what cases are read against.</summary>
    public static RuleCatalogue Catalogue => Catalogues.Value;

    /// <summary>An engine over the bundled terms as loaded: they carry no effectiveFrom, so they decide at every instant.</summary>
    public static CreditPolicyEngine Engine => Engines.Value;

    /// <summary>An engine over the bundled terms at every instant whatever their terms.json says: the terms the oracle implements, for generated cases of any date.</summary>
    public static CreditPolicyEngine AlwaysInForce => AlwaysInForceEngine.Value;
}
