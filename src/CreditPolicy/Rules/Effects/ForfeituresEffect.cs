using CreditPolicy.Model;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Rules.Effects;

/// <summary><c>forfeitures</c>: the credits each available grant loses at <c>asOf</c> (closing an account).</summary>
/// <remarks>Listed by grant id. An amount outside 0 to the grant's remaining is a rule error, so the decision is indeterminate.</remarks>
internal sealed class ForfeituresEffect : EffectModule
{
    public override string Name => "forfeitures";

    public override string Description => "Forfeit an amount of each available grant at asOf.";

    public override IReadOnlyList<EffectProperty> Properties { get; } =
    [
        new("forfeit", PerGrant: true, List: false, typeof(decimal), Required: true, "The amount of each available grant forfeited, over g (for example g.Remaining)."),
    ];

    public override void Apply(CompiledRule rule, CompiledEffect effect, CaseFacts c, DecisionEffects effects)
    {
        var forfeit = effect.One<decimal>("forfeit")!;
        var result = new List<Forfeiture>();
        foreach (var g in c.GrantArray)
        {
            if (!g.IsAvailable) continue;
            var amount = Run(rule, forfeit, c, g);
            if (amount < 0m || amount > g.Remaining)
            {
                throw Broken(rule, $"Rule '{rule.Name}' forfeits {Money(amount)} of grant '{g.Id}', outside 0..{Money(g.Remaining)} (its remaining).", g.Id);
            }

            if (amount > 0m) result.Add(new Forfeiture(g.Id, g.Kind, amount, c.AsOf));
        }

        result.Sort((x, y) => string.CompareOrdinal(x.GrantId, y.GrantId));
        effects.Forfeitures = result;
    }

    public override void Write(Utf8JsonWriter w, Decision d)
    {
        w.WriteStartArray(Name);
        foreach (var f in d.Forfeitures)
        {
            w.WriteStartObject();
            w.WriteString("grantId", f.GrantId);
            w.WriteString("kind", f.Kind);
            w.WriteNumber("amount", f.Amount);
            Json.JsonWriting.WriteInstant(w, "at"u8, f.At);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    public override IEnumerable<string> Explain(Decision d) =>
        d.Forfeitures.Select(f => $"forfeit {Money(f.Amount)} of {f.GrantId} ({f.Kind}) at {Format(f.At)}");

    public override JObject Schema() => JObject.Parse("""
        { "type": "array", "description": "Credits lost at closure, by grant id.", "items": { "type": "object", "additionalProperties": false, "required": ["grantId", "kind", "amount", "at"], "properties": { "grantId": { "type": "string" }, "kind": { "type": "string" }, "amount": { "type": "number" }, "at": { "type": "string", "format": "date-time" } } } }
        """);

    public override bool Same(Decision a, Decision b) => a.Forfeitures.SequenceEqual(b.Forfeitures);
}
