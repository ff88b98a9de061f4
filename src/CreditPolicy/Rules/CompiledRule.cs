using NodaTime;

namespace CreditPolicy.Rules;

/// <summary>A rule with its expressions compiled to delegates, ready to run.</summary>
internal sealed class CompiledRule
{
    public required RuleInfo Info { get; init; }

    public string Name => Info.Name;

    public string Clause => Info.Clause;

    /// <summary>The reason a decision cites when this rule decides; immutable, so made once.</summary>
    public Model.Reason Reason => field ??= new Model.Reason(Info.Name, Info.Clause, Info.Message);

    /// <summary>For grant rules: the status an exclusion gives or passing an expiry means.</summary>
    public string? Status { get; init; }

    /// <summary>For permit rules: the product, if any.</summary>
    public string? Produces { get; init; }

    public bool ExplainExclusions { get; init; }

    public Func<CaseFacts, GrantFacts, bool>? GrantCondition { get; init; }

    public Func<CaseFacts, bool>? RequestCondition { get; init; }

    public Func<CaseFacts, GrantFacts, Instant>? ExpiresAt { get; init; }

    /// <summary>For expiry rules: the <c>expiresAt</c> expression as written (the stock RulesEngine path runs it as an output action).</summary>
    public string? ExpiresAtText { get; init; }

    public Func<CaseFacts, GrantFacts, decimal>? Forfeit { get; init; }

    public IReadOnlyList<Func<CaseFacts, GrantFacts, object>> DrawOrder { get; init; } = [];

    public Func<CaseFacts, decimal>? Amount { get; init; }

    public Func<CaseFacts, LocalDate>? ChargeOn { get; init; }

    /// <summary>The facts the rule's expressions read, for traces.</summary>
    public RuleProbes Probes { get; init; } = RuleProbes.None;
}
