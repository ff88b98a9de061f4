using System.Linq.Expressions;
using CreditPolicy.Model;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Rules.Effects;

/// <summary>A rule property an effect reads: an expression (over <c>c</c>, or over <c>c</c> and each grant <c>g</c>) or a list of them.</summary>
/// <param name="Name">The property name in the rule's <c>Properties</c>.</param>
/// <param name="PerGrant">Whether the expression runs once per grant, with <c>g</c> in scope.</param>
/// <param name="List">Whether the property is a list of expressions (sort keys, most significant first).</param>
/// <param name="Gives">The type the expression gives; <see cref="IComparable"/> for sort keys.</param>
/// <param name="Required">Whether a rule producing the effect must have it.</param>
/// <param name="Description">What it means, for authors and the rule-file schema.</param>
internal sealed record EffectProperty(string Name, bool PerGrant, bool List, Type Gives, bool Required, string Description);

/// <summary>An effect's properties compiled for one request type: one delegate per property (a list for list properties).</summary>
internal sealed class CompiledEffect(IReadOnlyDictionary<string, IReadOnlyList<Delegate>> properties, IReadOnlyList<Expression> readable)
{
    /// <summary>The compiled expression of a property, or null when the rule does not give it.</summary>
    public Func<CaseFacts, object?, T>? One<T>(string name) =>
        properties.TryGetValue(name, out var list) ? (Func<CaseFacts, object?, T>)list[0] : null;

    /// <summary>The compiled expressions of a list property.</summary>
    public IReadOnlyList<Func<CaseFacts, object?, T>> Many<T>(string name) =>
        properties.TryGetValue(name, out var list) ? list.Cast<Func<CaseFacts, object?, T>>().ToArray() : [];

    /// <summary>The property expressions over <c>c</c> as written (checked, not instrumented), for traces.</summary>
    public IReadOnlyList<Expression> Readable { get; } = readable;
}

/// <summary>What a permitted decision says will happen, as produced by rules' effects; filled by the effect modules, then frozen into the <see cref="Decision"/>.</summary>
internal sealed class DecisionEffects
{
    public IReadOnlyList<Allocation> Allocations { get; set; } = [];

    public IReadOnlyList<Forfeiture> Forfeitures { get; set; } = [];

    public IReadOnlyList<Expiration> Expirations { get; set; } = [];

    public ReloadCharge? Reload { get; set; }

    public BalanceReport? Balance { get; set; }

    public Movement? Movement { get; set; }
}

/// <summary>Thrown when a rule cannot decide: it failed, or what it produced breaks the contract. The decision is then indeterminate, citing <see cref="Reason"/>.</summary>
internal sealed class RuleFailure(Reason reason) : Exception(reason.Message)
{
    public Reason Reason { get; } = reason;
}

/// <summary>One effect a permit rule can produce (<c>"produces": "allocations"</c>): the rule properties it owns, how it is computed, how it is written in a decision, explained and compared.</summary>
/// <remarks>
/// Everything about an effect lives in its module, so adding an effect touches one file and the list in <see cref="EffectModules"/>.
/// A module knows the mechanism only (how to draw an amount from grants in an order, for example); what to draw and in
/// which order are the rule's expressions.
/// </remarks>
internal abstract class EffectModule
{
    /// <summary>The value of <c>produces</c> that selects it, and the decision field it fills.</summary>
    public abstract string Name { get; }

    /// <summary>One sentence for authors.</summary>
    public abstract string Description { get; }

    /// <summary>The rule properties it reads.</summary>
    public abstract IReadOnlyList<EffectProperty> Properties { get; }

    /// <summary>Computes the effect of a rule that fired and permits, into <paramref name="effects"/>.</summary>
    /// <exception cref="RuleFailure">Thrown when an expression fails or what it gives breaks the contract.</exception>
    public abstract void Apply(CompiledRule rule, CompiledEffect effect, CaseFacts c, DecisionEffects effects);

    /// <summary>Writes the decision's field for this effect (<c>null</c> or <c>[]</c> when absent).</summary>
    public abstract void Write(Utf8JsonWriter w, Decision d);

    /// <summary>Lines for a person describing the effect in a decision; none when the decision has none.</summary>
    public abstract IEnumerable<string> Explain(Decision d);

    /// <summary>The JSON Schema of the decision field this effect fills.</summary>
    public abstract JObject Schema();

    /// <summary>Whether two decisions have the same effect of this kind (what <c>diff</c> compares).</summary>
    public abstract bool Same(Decision a, Decision b);

    /// <summary>Runs a compiled property, turning any exception into a <see cref="RuleFailure"/> naming the rule (and grant).</summary>
    protected static T Run<T>(CompiledRule rule, Func<CaseFacts, object?, T> f, CaseFacts c, GrantFacts? g)
    {
        try
        {
            return f(c, g);
        }
        catch (Exception ex) when (ex is not RuleFailure)
        {
            throw Failed(rule, g?.Id, ex);
        }
    }

    internal static RuleFailure Failed(CompiledRule rule, string? grantId, Exception ex) =>
        new(new Reason(rule.Name, rule.Clause, ex is StepBudgetExceededException budget
            ? $"Rule '{rule.Name}'{(grantId is null ? "" : $" (for grant '{grantId}')")} stopped: {budget.Message}; rules may not do unbounded work, so the decision is indeterminate."
            : $"Rule '{rule.Name}' failed{(grantId is null ? "" : $" for grant '{grantId}'")}: {ex.GetType().Name}: {ex.Message}", grantId));

    internal static RuleFailure Broken(CompiledRule rule, string message, string? grantId = null) => new(new Reason(rule.Name, rule.Clause, message, grantId));

    protected static void Money(Utf8JsonWriter w, decimal value) => w.WriteNumberValue(value);

    protected static string Money(decimal value) => Json.ValueText.Format(value);

    protected static string Format(NodaTime.Instant i) => Json.ValueText.Format(i);
}

/// <summary>Every effect, in the order decisions list them.</summary>
internal static class EffectModules
{
    public static IReadOnlyList<EffectModule> All { get; } =
        [new AllocationsEffect(), new ForfeituresEffect(), new ExpirationsEffect(), new ReloadEffect(), new BalanceEffect(), new MovementEffect()];

    public static EffectModule? Find(string name) => All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal));

    /// <summary>Every property name an effect reads.</summary>
    public static IReadOnlyList<string> PropertyNames { get; } = All.SelectMany(e => e.Properties.Select(p => p.Name)).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The value of a property token as text, for the loader.</summary>
    internal static IReadOnlyList<(string Text, JToken At)>? Texts(JToken token, bool list)
    {
        if (!list) return token.Type == JTokenType.String && ((string)token!).Trim().Length > 0 ? [((string)token!, token)] : null;
        return token is JArray arr && arr.Count > 0 && arr.All(k => k.Type == JTokenType.String && ((string)k!).Trim().Length > 0)
            ? arr.Select(k => ((string)k!, k)).ToArray()
            : null;
    }
}
