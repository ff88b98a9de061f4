using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Records;
using CreditPolicy.Rules;

namespace CreditPolicy;

/// <summary>The evaluator over one loaded <see cref="RuleSet"/>.</summary>
public sealed class CreditPolicyEngine : ICreditPolicy
{
    private readonly IDecisionSink? _sink;

    /// <summary>Creates an evaluator over a loaded rule set, optionally recording every decision in a sink.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="ruleSet"/> is null.</exception>
    public CreditPolicyEngine(RuleSet ruleSet, IDecisionSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        RuleSet = ruleSet;
        _sink = sink;
    }

    /// <summary>The rule set this evaluator runs.</summary>
    public RuleSet RuleSet { get; }

    /// <inheritdoc />
    public RuleSetIdentity Rules => RuleSet.Identity;

    /// <summary>Loads the rules in a directory and creates an evaluator over them.</summary>
    /// <exception cref="RuleSetLoadException">Thrown when any rule file is invalid.</exception>
    public static CreditPolicyEngine FromDirectory(string directory) => new(RuleSet.Load(directory));

    /// <inheritdoc />
    public Decision Decide(CreditCase @case) => Record(@case, PolicyEvaluator.Evaluate(RuleSet, @case, null));

    /// <inheritdoc />
    public Evaluation.Evaluation Explain(CreditCase @case)
    {
        var trace = new List<TraceEntry>();
        var decision = Record(@case, PolicyEvaluator.Evaluate(RuleSet, @case, trace));
        return new Evaluation.Evaluation(decision, trace);
    }

    /// <summary>Stamps the decision with its record and hands it to the sink before anyone can act on it.</summary>
    private Decision Record(CreditCase @case, Decision decision)
    {
        var recorded = DecisionRecords.Stamp(decision, @case);
        _sink?.Write(@case, recorded);
        return recorded;
    }
}
