using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy;

/// <summary>The evaluator over one loaded <see cref="RuleSet"/>.</summary>
public sealed class CreditPolicyEngine : ICreditPolicy
{
    /// <summary>Creates an evaluator over a loaded rule set.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="ruleSet"/> is null.</exception>
    public CreditPolicyEngine(RuleSet ruleSet)
        : this(ruleSet, CreditPolicyOptions.DefaultMaxStepsPerDecision)
    {
    }

    /// <summary>Creates an evaluator over a loaded rule set with a budget on the work the rules may do per decision.</summary>
    /// <remarks>
    /// Every element a rule's sequence operator visits, every call of a lambda passed to one, and every grant a fact
    /// such as <c>c.Available</c> sums is one step. A decision whose rules take more than
    /// <paramref name="maxStepsPerDecision"/> steps is <see cref="Outcome.Indeterminate"/>, naming the rule.
    /// </remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="ruleSet"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="maxStepsPerDecision"/> is not positive.</exception>
    public CreditPolicyEngine(RuleSet ruleSet, long maxStepsPerDecision)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxStepsPerDecision);
        RuleSet = ruleSet;
        MaxStepsPerDecision = maxStepsPerDecision;
    }

    /// <summary>The rule set this evaluator runs.</summary>
    public RuleSet RuleSet { get; }

    /// <summary>The most steps the rules may take in one decision before it is indeterminate.</summary>
    public long MaxStepsPerDecision { get; }

    /// <inheritdoc />
    public RuleSetIdentity Rules => RuleSet.Identity;

    /// <summary>Loads the rules in a directory and creates an evaluator over them.</summary>
    /// <exception cref="RuleSetLoadException">Thrown when any rule file is invalid.</exception>
    public static CreditPolicyEngine FromDirectory(string directory) => new(RuleSet.Load(directory));

    /// <inheritdoc />
    public Decision Decide(CreditCase @case) => PolicyEvaluator.Evaluate(RuleSet, @case, null, MaxStepsPerDecision);

    /// <inheritdoc />
    public Evaluation.Evaluation Explain(CreditCase @case)
    {
        var trace = new List<TraceEntry>();
        var decision = PolicyEvaluator.Evaluate(RuleSet, @case, trace, MaxStepsPerDecision);
        return new Evaluation.Evaluation(decision, trace);
    }
}
