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
    /// <remarks>
    /// <paramref name="maxStepsPerDecision"/> bounds the work the rules may do per decision: every element a rule's
    /// sequence operator visits, every call of a lambda passed to one, and every grant a fact such as <c>c.Available</c>
    /// sums is one step. A decision whose rules take more steps is <see cref="Outcome.Indeterminate"/>, naming the rule.
    /// </remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="catalogue"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="maxStepsPerDecision"/> is not positive.</exception>
    public CreditPolicyEngine(RuleCatalogue catalogue, IDecisionSink? sink = null, long maxStepsPerDecision = CreditPolicyOptions.DefaultMaxStepsPerDecision)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxStepsPerDecision);
        Catalogue = catalogue;
        _sink = sink;
        MaxStepsPerDecision = maxStepsPerDecision;
    }

    /// <summary>Creates an evaluator over one version of the terms, in force from its <see cref="RuleSet.EffectiveFrom"/> on.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="ruleSet"/> is null.</exception>
    public CreditPolicyEngine(RuleSet ruleSet, IDecisionSink? sink = null)
        : this(RuleCatalogue.Of(ruleSet ?? throw new ArgumentNullException(nameof(ruleSet))), sink)
    {
    }

    /// <summary>Creates an evaluator over one version of the terms with a budget on the work the rules may do per decision.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="ruleSet"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="maxStepsPerDecision"/> is not positive.</exception>
    public CreditPolicyEngine(RuleSet ruleSet, long maxStepsPerDecision)
        : this(RuleCatalogue.Of(ruleSet ?? throw new ArgumentNullException(nameof(ruleSet))), null, maxStepsPerDecision)
    {
    }

    /// <summary>The most steps the rules may take in one decision before it is indeterminate.</summary>
    public long MaxStepsPerDecision { get; }

    /// <inheritdoc />
    public RuleCatalogue Catalogue { get; }

    /// <summary>Loads the rules in a directory (one version of the terms or several) and creates an evaluator over them.</summary>
    /// <exception cref="RuleSetLoadException">Thrown when any rule file of any version is invalid.</exception>
    public static CreditPolicyEngine FromDirectory(string directory, TimeZoneDatabase? timeZones = null) => new(RuleCatalogue.Load(directory, timeZones));

    /// <inheritdoc />
    public Json.CaseReadResult ReadCase(ReadOnlySpan<byte> utf8Json) => Catalogue.ReadCase(utf8Json);

    /// <inheritdoc />
    public Json.CaseReadResult ReadCase(string json) => Catalogue.ReadCase(json);

    /// <inheritdoc />
    public Decision Decide(CreditCase @case)
    {
        @case = PolicyEvaluator.AsDecidedBy(Catalogue, @case);
        return DecisionRecords.StampAndWrite(@case, PolicyEvaluator.Evaluate(Catalogue, @case, null, MaxStepsPerDecision), _sink);
    }

    /// <inheritdoc />
    public Explanation Explain(CreditCase @case)
    {
        var trace = new List<TraceEntry>();
        @case = PolicyEvaluator.AsDecidedBy(Catalogue, @case);
        var decision = DecisionRecords.StampAndWrite(@case, PolicyEvaluator.Evaluate(Catalogue, @case, trace, MaxStepsPerDecision), _sink);
        return new Explanation(decision, trace);
    }
}
