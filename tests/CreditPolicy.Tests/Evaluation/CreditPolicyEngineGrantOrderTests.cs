using Bogus;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Evaluation;

/// <summary>A decision does not depend on the order of grants in the case (issue 8): the same case with its grants shuffled gives the same bytes, record id included.</summary>
public sealed class CreditPolicyEngineGrantOrderTests
{
    private const int Seed = 90210;

    private static readonly string[] Every = ["use", "refund", "cashOut", "transfer", "sell", "closeAccount", "restore", "expirations", "reload", "balance"];

    /// <summary>The bundled rules plus rules whose result would follow the order of grants if the evaluator showed it to them.</summary>
    private static readonly Lazy<CreditPolicyEngine> OrderProbing = new(() =>
    {
        using var rules = new TempRuleDirectory();

        // Sequence operators that look at position: they see the grants in grant id order, never the case's.
        rules.AddRule("reporting.json", Note("first-grant-promotional", "c.Grants.Count() > 0 && c.Grants.First().Kind == \"promotional\""));
        rules.AddRule("reporting.json", Note("last-two-usage", "c.Grants.Skip(c.Grants.Count() - 2).Take(2).All(x => x.Kind == \"usage\")"));
        rules.AddRule("reporting.json", Note("first-available-large", "c.Grants.Where(x => x.IsAvailable).Select(x => x.Remaining).FirstOrDefault() > 100m"));

        // An exclusion rule that fails for some grants on balance requests: the failure names one grant, always the same one.
        rules.AddRule("availability.json", new JObject
        {
            ["RuleName"] = "fails-for-some-grants",
            ["SuccessEvent"] = "Never.",
            ["Expression"] = "c.Request.Type == \"balance\" && g.Remaining / (g.Amount - g.Remaining) > 1000000m",
            ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "grant", ["effect"] = "exclude", ["status"] = "broken" },
        });

        // A forfeit that breaks the contract for some grants: the grant it names must not depend on the order either.
        rules.EditRule("closure.json", "closure-forfeits-credits", r => r["Properties"]!["forfeit"] = "g.Remaining > 100m ? g.Amount + 1m : g.Remaining");
        return new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(rules.Load()));
    });

    private static JObject Note(string name, string expression) => new()
    {
        ["RuleName"] = name,
        ["SuccessEvent"] = $"Note {name}.",
        ["Expression"] = expression,
        ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "request", ["appliesTo"] = new JArray(Every), ["effect"] = "note" },
    };

    public static TheoryData<string> Engines => ["bundled terms", "order-probing rules"];

    [Theory]
    [MemberData(nameof(Engines))]
    public void Decide_GrantsShuffled_GivesTheSameBytesRecordIdIncluded(string which)
    {
        var engine = which == "bundled terms" ? BundledRules.AlwaysInForce : OrderProbing.Value;
        var faker = new Faker { Random = new Randomizer(Seed) };
        var outcomes = new Dictionary<Outcome, int>();
        var compared = 0;
        foreach (var g in new EdgeCaseGenerator(Seed).GenerateMany(500))
        {
            var grants = ((JArray)g.Json["grants"]!).Count;
            if (grants < 2) continue;
            var original = Decide(engine, g.Json);
            outcomes[original.Decision.Outcome] = outcomes.GetValueOrDefault(original.Decision.Outcome) + 1;
            var orders = new (string Name, Func<IReadOnlyList<JToken>, IEnumerable<JToken>> Reorder)[]
            {
                ("reversed", x => x.Reverse()),
                ("shuffled", x => faker.Random.Shuffle(x)),
                ("rotated", x => x.Skip(1).Append(x[0])),
            };
            foreach (var (name, reorder) in orders)
            {
                var other = Decide(engine, EdgeCases.WithGrantOrder(g.Json, reorder));
                Assert.True(original.Bytes == other.Bytes,
                    $"{g.Origin} (faker seed {Seed}), grants {name}:{Environment.NewLine}as listed: {original.Bytes}{Environment.NewLine}{name}: {other.Bytes}");
                compared++;
            }
        }

        // Permits and denials occur (and, under the order-probing rules, failures naming a grant), so agreement is not agreement on one kind of answer.
        var failures = which == "bundled terms" ? 0 : 20;
        Assert.True(compared > 1_000 && outcomes.GetValueOrDefault(Outcome.Permit) > 50 && outcomes.GetValueOrDefault(Outcome.Deny) > 50
            && outcomes.GetValueOrDefault(Outcome.Indeterminate) >= failures, $"{compared} compared; {string.Join(", ", outcomes)}");
    }

    [Fact]
    public void Decide_NoteOnTheFirstGrant_SeesTheGrantsInGrantIdOrder()
    {
        var forward = new CaseBuilder(OrderProbing.Value.Catalogue)
            .Promotional("a", 5m, "2026-06-01T00:00:00Z")
            .Usage("b", 5m, "2026-06-01T00:00:00Z");
        var backward = new CaseBuilder(OrderProbing.Value.Catalogue)
            .Usage("b", 5m, "2026-06-01T00:00:00Z")
            .Promotional("a", 5m, "2026-06-01T00:00:00Z");

        var first = OrderProbing.Value.Decide(forward.Of("expirations"));
        var second = OrderProbing.Value.Decide(backward.Of("expirations"));

        Assert.Contains(first.Reasons, r => r.Rule == "first-grant-promotional");
        Assert.Equal(DecisionJson.Serialize(first), DecisionJson.Serialize(second));
    }

    private static (Decision Decision, string Bytes) Decide(CreditPolicyEngine engine, JObject json)
    {
        var decision = engine.Decide(TestCases.Read(TestJson.Write(json), engine.Catalogue));
        return (decision, DecisionJson.Serialize(decision, indented: false));
    }
}
