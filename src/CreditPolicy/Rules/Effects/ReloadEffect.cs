using CreditPolicy.Model;
using NodaTime;
using NodaTime.Text;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Rules.Effects;

/// <summary><c>reload</c>: an automatic reload that is due, its amount and the local date it is charged on.</summary>
internal sealed class ReloadEffect : EffectModule
{
    public override string Name => "reload";

    public override string Description => "A reload of an amount, charged on a local date.";

    public override IReadOnlyList<EffectProperty> Properties { get; } =
    [
        new("amount", PerGrant: false, List: false, typeof(decimal), Required: true, "The amount to reload, over c."),
        new("chargeOn", PerGrant: false, List: false, typeof(LocalDate), Required: true, "The local date of the charge, over c (for example Cal.DateInZone(c.AsOf, c.Account.TimeZone))."),
    ];

    public override void Apply(CompiledRule rule, CompiledEffect effect, CaseFacts c, DecisionEffects effects)
    {
        var amount = Run(rule, effect.One<decimal>("amount")!, c, null);
        var chargeOn = Run(rule, effect.One<LocalDate>("chargeOn")!, c, null);
        if (amount <= 0m) throw Broken(rule, $"Rule '{rule.Name}' produces a reload of {Money(amount)}; a reload adds a positive amount.");
        effects.Reload = new ReloadCharge(amount, chargeOn);
    }

    public override void Write(Utf8JsonWriter w, Decision d)
    {
        w.WritePropertyName(Name);
        if (d.Reload is { } reload)
        {
            w.WriteStartObject();
            w.WriteNumber("amount", reload.Amount);
            w.WriteString("chargeOn", LocalDatePattern.Iso.Format(reload.ChargeOn));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }
    }

    public override IEnumerable<string> Explain(Decision d) =>
        d.Reload is { } r ? [$"reload {Money(r.Amount)}, charged on {LocalDatePattern.Iso.Format(r.ChargeOn)}"] : [];

    public override JObject Schema() => JObject.Parse("""
        { "type": ["object", "null"], "description": "The reload that is due, and the local date it is charged on.", "additionalProperties": false, "required": ["amount", "chargeOn"], "properties": { "amount": { "type": "number" }, "chargeOn": { "type": "string", "format": "date" } } }
        """);

    public override bool Same(Decision a, Decision b) => Equals(a.Reload, b.Reload);
}
