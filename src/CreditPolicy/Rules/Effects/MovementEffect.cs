using CreditPolicy.Model;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Rules.Effects;

/// <summary><c>movement</c>: what a permitted refund, cash-out, transfer or sale moves: which grant, how much, and to which account.</summary>
/// <remarks>
/// The grant must be one of the case's, and the amount positive and no more than the grant's remaining; otherwise the rule
/// is broken and the decision indeterminate. <c>to</c> is optional: a refund or cash-out moves credits out, to no account.
/// </remarks>
internal sealed class MovementEffect : EffectModule
{
    public override string Name => "movement";

    public override string Description => "Move an amount of one grant, out of the account or to another account.";

    public override IReadOnlyList<EffectProperty> Properties { get; } =
    [
        new("grant", PerGrant: false, List: false, typeof(string), Required: true, "The id of the grant that moves, over c (for example c.Request.GrantId)."),
        new("amount", PerGrant: false, List: false, typeof(decimal), Required: true, "The amount that moves, over c (for example c.Target.Remaining)."),
        new("to", PerGrant: false, List: false, typeof(string), Required: false, "The receiving account, over c (for example c.Request.ToAccountId); absent for a refund or cash-out."),
    ];

    public override void Apply(CompiledRule rule, CompiledEffect effect, CaseFacts c, DecisionEffects effects)
    {
        var grantId = Run(rule, effect.One<string>("grant")!, c, null);
        var amount = Run(rule, effect.One<decimal>("amount")!, c, null);
        var to = effect.One<string>("to") is { } t ? Run(rule, t, c, null) : null;
        var grant = c.GrantArray.FirstOrDefault(g => string.Equals(g.Id, grantId, StringComparison.Ordinal))
            ?? throw Broken(rule, $"Rule '{rule.Name}' moves grant '{grantId}', which is not in the case.");
        if (amount <= 0m || amount > grant.Remaining)
        {
            throw Broken(rule, $"Rule '{rule.Name}' moves {Money(amount)} of grant '{grant.Id}', outside its remaining 0..{Money(grant.Remaining)} (and more than zero).", grant.Id);
        }

        effects.Movement = new Movement(grant.Id, grant.Kind, amount, to);
    }

    public override void Write(Utf8JsonWriter w, Decision d)
    {
        w.WritePropertyName(Name);
        if (d.Movement is { } m)
        {
            w.WriteStartObject();
            w.WriteString("grantId", m.GrantId);
            w.WriteString("kind", m.Kind);
            w.WriteNumber("amount", m.Amount);
            w.WriteString("toAccountId", m.ToAccountId);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }
    }

    public override IEnumerable<string> Explain(Decision d) =>
        d.Movement is { } m ? [$"move {Money(m.Amount)} of {m.GrantId} ({m.Kind}) {(m.ToAccountId is null ? "out of the account" : "to " + m.ToAccountId)}"] : [];

    public override JObject Schema() => JObject.Parse("""
        { "type": ["object", "null"], "description": "What a permitted refund, cash-out, transfer or sale moves.", "additionalProperties": false, "required": ["grantId", "kind", "amount", "toAccountId"], "properties": { "grantId": { "type": "string" }, "kind": { "type": "string" }, "amount": { "type": "number" }, "toAccountId": { "type": ["string", "null"] } } }
        """);

    public override bool Same(Decision a, Decision b) => Equals(a.Movement, b.Movement);
}
