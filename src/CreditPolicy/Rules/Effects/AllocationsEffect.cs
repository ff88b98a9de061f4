using CreditPolicy.Model;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Rules.Effects;

/// <summary><c>allocations</c>: draws an amount from the available grants in a draw order (a <c>use</c>).</summary>
/// <remarks>
/// Grants that are available (no exclusion rule excluded them) with something remaining are sorted by the rule's
/// <c>drawOrder</c> keys, most significant first, then by grant id, so the order is a function of the grants and never of
/// their order in the case; the <c>amount</c> is drawn from each in turn. A permit that the available grants cannot cover
/// is a rule error (a deny rule should have caught it), so the decision is indeterminate, never a partial draw.
/// </remarks>
internal sealed class AllocationsEffect : EffectModule
{
    public override string Name => "allocations";

    public override string Description => "Draw an amount from the available grants in a draw order.";

    public override IReadOnlyList<EffectProperty> Properties { get; } =
    [
        new("amount", PerGrant: false, List: false, typeof(decimal), Required: true, "The amount to draw, over c (for example c.Request.Amount)."),
        new("drawOrder", PerGrant: true, List: true, typeof(IComparable), Required: true, "Sort keys over g, most significant first; ties fall to the grant id."),
    ];

    public override void Apply(CompiledRule rule, CompiledEffect effect, CaseFacts c, DecisionEffects effects)
    {
        var amount = Run(rule, effect.One<decimal>("amount")!, c, null);
        if (amount <= 0m) throw Broken(rule, $"Rule '{rule.Name}' draws {Money(amount)}; an allocation draws a positive amount.");
        var keysOf = effect.Many<IComparable>("drawOrder");
        var grants = c.GrantArray;
        var width = keysOf.Count;
        var candidates = new GrantFacts[grants.Length];
        var n = 0;
        foreach (var g in grants)
        {
            if (g.IsAvailable && g.Remaining > 0m) candidates[n++] = g;
        }

        var keys = new IComparable[n * width];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < width; k++) keys[i * width + k] = Run(rule, keysOf[k], c, candidates[i]);
        }

        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        try
        {
            Array.Sort(order, new DrawOrderComparer(keys, width, candidates));
        }
        catch (InvalidOperationException ex)
        {
            // Array.Sort wraps what the comparer threw, for example a key that is null for some grant.
            throw Failed(rule, null, ex.InnerException ?? ex);
        }

        var left = amount;
        var allocations = new List<Allocation>(Math.Min(n, 4));
        foreach (var i in order)
        {
            if (left == 0m) break;
            var g = candidates[i];
            var take = Math.Min(left, g.Remaining);
            allocations.Add(new Allocation(g.Id, g.Kind, take));
            left -= take;
        }

        if (left > 0m)
        {
            throw Broken(rule, $"Rule '{rule.Name}' permits drawing {Money(amount)}, but the available grants cover only {Money(amount - left)}; no deny rule caught it.");
        }

        effects.Allocations = allocations;
    }

    public override void Write(Utf8JsonWriter w, Decision d)
    {
        w.WriteStartArray(Name);
        foreach (var a in d.Allocations)
        {
            w.WriteStartObject();
            w.WriteString("grantId", a.GrantId);
            w.WriteString("kind", a.Kind);
            w.WriteNumber("amount", a.Amount);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    public override IEnumerable<string> Explain(Decision d) =>
        d.Allocations.Select(a => $"draw {Money(a.Amount)} from {a.GrantId} ({a.Kind})");

    public override JObject Schema() => JObject.Parse("""
        { "type": "array", "description": "How much is drawn from which grant, in draw order.", "items": { "type": "object", "additionalProperties": false, "required": ["grantId", "kind", "amount"], "properties": { "grantId": { "type": "string" }, "kind": { "type": "string" }, "amount": { "type": "number" } } } }
        """);

    public override bool Same(Decision a, Decision b) => a.Allocations.SequenceEqual(b.Allocations);

    /// <summary>Compares two candidates by their draw-order keys, most significant first, then by grant id.</summary>
    private sealed class DrawOrderComparer(IComparable[] keys, int width, GrantFacts[] grants) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            for (var k = 0; k < width; k++)
            {
                var x = keys[a * width + k];
                var y = keys[b * width + k];
                var cmp = x is string sx && y is string sy ? string.CompareOrdinal(sx, sy) : x.CompareTo(y);
                if (cmp != 0) return cmp;
            }

            return string.CompareOrdinal(grants[a].Id, grants[b].Id);
        }
    }
}
