using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Records;
using CreditPolicy.Rules;

namespace CreditPolicy;

/// <summary>The evaluator over one loaded <see cref="RuleCatalogue"/>: each case is decided by the version of the terms that applies to it.</summary>
public sealed class CreditPolicyEngine : ICreditPolicy
{
    private readonly IDecisionSink? _sink;

    /// <summary>Creates an evaluator over every version of the terms in a catalogue, optionally recording every decision in a sink.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="catalogue"/> is null.</exception>
    public CreditPolicyEngine(RuleCatalogue catalogue, IDecisionSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        Catalogue = catalogue;
        _sink = sink;
    }

    /// <summary>Creates an evaluator over one version of the terms, in force from its <see cref="RuleSet.EffectiveFrom"/> on.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="ruleSet"/> is null.</exception>
    public CreditPolicyEngine(RuleSet ruleSet, IDecisionSink? sink = null)
        : this(RuleCatalogue.Of(ruleSet ?? throw new ArgumentNullException(nameof(ruleSet))), sink)
    {
    }

    /// <inheritdoc />
    public RuleCatalogue Catalogue { get; }

    /// <summary>Loads the rules in a directory (one version of the terms or several) and creates an evaluator over them.</summary>
    /// <exception cref="RuleSetLoadException">Thrown when any rule file of any version is invalid.</exception>
    public static CreditPolicyEngine FromDirectory(string directory) => new(RuleCatalogue.Load(directory));

    /// <inheritdoc />
    public Decision Decide(CreditCase @case) => DecisionRecords.StampAndWrite(@case, PolicyEvaluator.Evaluate(Catalogue, @case, null), _sink);

    /// <inheritdoc />
    public Evaluation.Evaluation Explain(CreditCase @case)
    {
        var trace = new List<TraceEntry>();
        var decision = DecisionRecords.StampAndWrite(@case, PolicyEvaluator.Evaluate(Catalogue, @case, trace), _sink);
        return new Evaluation.Evaluation(decision, trace);
    }

}
