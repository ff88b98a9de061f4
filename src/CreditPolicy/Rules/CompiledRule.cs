using CreditPolicy.Rules.Effects;
using NodaTime;

namespace CreditPolicy.Rules;

/// <summary>A rule with its expressions compiled to delegates, ready to run.</summary>
/// <remarks>
/// A request rule is compiled once per request type it applies to, against that type's <c>c</c>, so its conditions and
/// effect are looked up by request type. A grant rule is compiled once, against the <c>c</c> every request shares.
/// </remarks>
internal sealed class CompiledRule
{
    public required RuleInfo Info { get; init; }

    public string Name => Info.Name;

    public string Clause => Info.Clause;

    /// <summary>The reason a decision cites when this rule decides; immutable, so made once.</summary>
    public Model.Reason Reason => field ??= new Model.Reason(Info.Name, Info.Clause, Info.Message);

    /// <summary>For grant rules: the status an exclusion gives or passing an expiry means.</summary>
    public string? Status { get; init; }

    /// <summary>For expiry rules: the grants it matches never expire.</summary>
    public bool NeverExpires { get; init; }

    /// <summary>For permit rules: the effect it produces, if any.</summary>
    public EffectModule? Produces { get; init; }

    public bool ExplainExclusions { get; init; }

    /// <summary>For grant rules: the condition over <c>c</c> and <c>g</c>.</summary>
    public Func<CaseFacts, object?, bool>? GrantCondition { get; init; }

    /// <summary>For expiry rules: the expiry instant over <c>c</c> and <c>g</c> (null when it never expires).</summary>
    public Func<CaseFacts, object?, Instant>? ExpiresAt { get; init; }

    /// <summary>For expiry rules: the <c>expiresAt</c> expression as written (the stock RulesEngine path runs it as an output action).</summary>
    public string? ExpiresAtText { get; init; }

    /// <summary>For request rules: the condition, per request type.</summary>
    public IReadOnlyDictionary<string, Func<CaseFacts, object?, bool>> RequestConditions { get; init; } = new Dictionary<string, Func<CaseFacts, object?, bool>>();

    /// <summary>For permit rules that produce an effect: its compiled properties, per request type.</summary>
    public IReadOnlyDictionary<string, CompiledEffect> Effect { get; init; } = new Dictionary<string, CompiledEffect>();

    /// <summary>The facts the rule's expressions read, for traces: one set for grant rules (key ""), one per request type otherwise.</summary>
    public IReadOnlyDictionary<string, RuleProbes> Probes { get; init; } = new Dictionary<string, RuleProbes>();

    public RuleProbes ProbesFor(string requestType) =>
        Probes.TryGetValue(requestType, out var p) ? p : Probes.TryGetValue("", out var any) ? any : RuleProbes.None;
}
