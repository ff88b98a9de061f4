using CreditPolicy.Model;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Rules.Effects;

/// <summary><c>balance</c>: the available balance (remaining of grants no exclusion rule excluded), in total and by kind.</summary>
internal sealed class BalanceEffect : EffectModule
{
    public override string Name => "balance";

    public override string Description => "The available balance, in total and by kind.";

    public override IReadOnlyList<EffectProperty> Properties { get; } = [];

    public override void Apply(CompiledRule rule, CompiledEffect effect, CaseFacts c, DecisionEffects effects)
    {
        var byKind = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        var total = 0m;
        try
        {
            foreach (var g in c.GrantArray)
            {
                if (!g.IsAvailable) continue;
                byKind[g.Kind] = byKind.TryGetValue(g.Kind, out var sum) ? sum + g.Remaining : g.Remaining;
                total += g.Remaining;
            }
        }
        catch (OverflowException ex)
        {
            throw Failed(rule, null, ex);
        }

        effects.Balance = new BalanceReport(total, byKind);
    }

    public override void Write(Utf8JsonWriter w, Decision d)
    {
        w.WritePropertyName(Name);
        if (d.Balance is { } balance)
        {
            w.WriteStartObject();
            w.WriteNumber("total", balance.Total);
            w.WriteStartObject("byKind");
            foreach (var (kind, amount) in balance.ByKind)
            {
                w.WriteNumber(kind, amount);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }
    }

    public override IEnumerable<string> Explain(Decision d) =>
        d.Balance is { } b ? [$"balance {Money(b.Total)}" + (b.ByKind.Count == 0 ? "" : ": " + string.Join(", ", b.ByKind.Select(kv => $"{kv.Key} {Money(kv.Value)}")))] : [];

    public override JObject Schema() => JObject.Parse("""
        { "type": ["object", "null"], "description": "The available balance, in total and by kind.", "additionalProperties": false, "required": ["total", "byKind"], "properties": { "total": { "type": "number" }, "byKind": { "type": "object", "additionalProperties": { "type": "number" } } } }
        """);

    public override bool Same(Decision a, Decision b) =>
        a.Balance is null ? b.Balance is null
        : b.Balance is not null && a.Balance.Total == b.Balance.Total && a.Balance.ByKind.SequenceEqual(b.Balance.ByKind);
}
