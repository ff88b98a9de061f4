using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy;

/// <summary>The evaluator over one loaded <see cref="RuleCatalogue"/>: each case is decided by the version of the terms that applies to it.</summary>
public sealed class CreditPolicyEngine : ICreditPolicy
{
    /// <summary>Creates an evaluator over every version of the terms in a catalogue.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="catalogue"/> is null.</exception>
    public CreditPolicyEngine(RuleCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        Catalogue = catalogue;
    }

    /// <summary>Creates an evaluator over one version of the terms, in force from its <see cref="RuleSet.EffectiveFrom"/> on.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="ruleSet"/> is null.</exception>
    public CreditPolicyEngine(RuleSet ruleSet)
        : this(RuleCatalogue.Of(ruleSet))
    {
    }

    /// <inheritdoc />
    public RuleCatalogue Catalogue { get; }

    /// <summary>Loads the rules in a directory (one version of the terms or several) and creates an evaluator over them.</summary>
    /// <exception cref="RuleSetLoadException">Thrown when any rule file of any version is invalid.</exception>
    public static CreditPolicyEngine FromDirectory(string directory) => new(RuleCatalogue.Load(directory));

    /// <inheritdoc />
    public Decision Decide(CreditCase @case) => PolicyEvaluator.Evaluate(Catalogue, @case, null);

    /// <inheritdoc />
    public Evaluation.Evaluation Explain(CreditCase @case)
    {
        var trace = new List<TraceEntry>();
        var decision = PolicyEvaluator.Evaluate(Catalogue, @case, trace);
        return new Evaluation.Evaluation(decision, trace);
    }
}
