using CreditPolicy.Model;
using NodaTime;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Rules.Effects;

/// <summary><c>expirations</c>: each grant's expiry, the rule that set it and whether it has passed at <c>asOf</c>.</summary>
/// <remarks>
/// Listed by expiry, then grant id; a grant that never expires comes last with <c>expiresAt: null</c>. With
/// <c>until</c> (an expression giving an instant, or null for no horizon) only expiries at or before it are listed.
/// </remarks>
internal sealed class ExpirationsEffect : EffectModule
{
    public override string Name => "expirations";

    public override string Description => "List each grant's expiry, the rule that set it and whether it has passed.";

    public override IReadOnlyList<EffectProperty> Properties { get; } =
    [
        new("until", PerGrant: false, List: false, typeof(Instant?), Required: false, "List only expiries at or before this instant, over c (for example c.Request.Until); null lists all."),
    ];

    public override void Apply(CompiledRule rule, CompiledEffect effect, CaseFacts c, DecisionEffects effects)
    {
        var until = effect.One<Instant?>("until") is { } u ? Run(rule, u, c, null) : null;
        effects.Expirations = c.GrantArray
            .Where(g => until is null || (!g.NeverExpires && g.Expiry <= until.Value))
            .OrderBy(g => g.Expiry)
            .ThenBy(g => g.Id, StringComparer.Ordinal)
            .Select(g => new Expiration(g.Id, g.Kind, g.NeverExpires ? null : g.Expiry, g.ExpiryRule, g.ExpiryClause, !g.NeverExpires && c.AsOf >= g.Expiry, g.Remaining))
            .ToArray();
    }

    public override void Write(Utf8JsonWriter w, Decision d)
    {
        w.WriteStartArray(Name);
        foreach (var e in d.Expirations)
        {
            w.WriteStartObject();
            w.WriteString("grantId", e.GrantId);
            w.WriteString("kind", e.Kind);
            if (e.ExpiresAt is { } at) Json.JsonWriting.WriteInstant(w, "expiresAt"u8, at);
            else w.WriteNull("expiresAt"u8);
            w.WriteString("rule", e.Rule);
            w.WriteString("clause", e.Clause);
            w.WriteBoolean("expired", e.Expired);
            w.WriteNumber("remaining", e.Remaining);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    public override IEnumerable<string> Explain(Decision d) =>
        d.Expirations.Select(e => $"{e.GrantId} ({e.Kind}, {Money(e.Remaining)} remaining) {(e.ExpiresAt is { } at ? (e.Expired ? "expired at " : "expires at ") + Format(at) : "never expires")} by {e.Rule} ({e.Clause})");

    public override JObject Schema() => JObject.Parse("""
        { "type": "array", "description": "Each grant's expiry (null: never), the rule that set it and whether it has passed.", "items": { "type": "object", "additionalProperties": false, "required": ["grantId", "kind", "expiresAt", "rule", "clause", "expired", "remaining"], "properties": { "grantId": { "type": "string" }, "kind": { "type": "string" }, "expiresAt": { "type": ["string", "null"], "format": "date-time" }, "rule": { "type": "string" }, "clause": { "type": "string" }, "expired": { "type": "boolean" }, "remaining": { "type": "number" } } } }
        """);

    public override bool Same(Decision a, Decision b) => a.Expirations.SequenceEqual(b.Expirations);
}
