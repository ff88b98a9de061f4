using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using Xunit.Abstractions;

namespace CreditPolicy.Tests.Oracle;

/// <summary>The bundled rules, run by the evaluator, against <see cref="TermsOracle"/> over generated cases.</summary>
/// <remarks>
/// Cases come from <see cref="EdgeCaseGenerator"/> as JSON and are read against the bundled vocabulary, as a caller's would be.
/// The ordinary run decides 4,000 cases of a fixed seed. The long run is sized by the environment:
/// <c>CREDITPOLICY_PROPERTY_CASES=2000000 CREDITPOLICY_PROPERTY_SEED=7 dotnet test tests/CreditPolicy.Tests --filter Category=LongProperty</c>
/// (without the variables it decides 2,000 cases of another seed). A disagreement fails with the seed,
/// the case index, the case shrunk to what still disagrees, and both decisions.
/// </remarks>
public sealed class OracleDifferentialTests(ITestOutputHelper output)
{
    public const int OrdinarySeed = 20261124;

    public const int OrdinaryCount = 4_000;

    [Fact]
    public void Decide_GeneratedCases_AgreesWithTheOracle()
    {
        var stats = AssertAgreement(OrdinarySeed, OrdinaryCount);

        // The run means something only if it reaches every rule (expiry rules are cited in expirations).
        var never = BundledRules.RuleSet.Rules.Select(r => r.Name).Where(n => !stats.Cited.ContainsKey(n)).ToArray();
        Assert.True(never.Length == 0, "rules no generated case made decide: " + string.Join(", ", never));
        Assert.All(new[] { Outcome.Permit, Outcome.Deny }, o => Assert.True(stats.Outcomes.GetValueOrDefault(o) > OrdinaryCount / 10, $"{o}: {stats.Outcomes.GetValueOrDefault(o)}"));
    }

    [Fact]
    [Trait("Category", "LongProperty")]
    public void Decide_LongRun_AgreesWithTheOracle()
    {
        var count = FromEnvironment("CREDITPOLICY_PROPERTY_CASES", 2_000);
        var seed = FromEnvironment("CREDITPOLICY_PROPERTY_SEED", 1);

        AssertAgreement(seed, count);
    }

    [Fact]
    public void Differences_DisagreeingDecisions_NameEveryDifference()
    {
        var c = new EdgeCaseGenerator(OrdinarySeed).Generate(0).Read();
        var decision = TermsOracle.Decide(c);
        var changed = decision with
        {
            Outcome = Outcome.Indeterminate,
            Reasons = [new Reason("some-rule", "B.9", "x")],
            Reload = new ReloadCharge(5m, new NodaTime.LocalDate(2026, 1, 1)),
            Movement = new Movement("g1", "usage", 2.50m, null),
        };

        var differences = DecisionComparer.Differences(changed, decision);

        Assert.Equal(4, differences.Count);
        Assert.StartsWith("outcome: rules Indeterminate", differences[0], StringComparison.Ordinal);
        Assert.Contains("some-rule (B.9)", differences[1], StringComparison.Ordinal);
        Assert.StartsWith("reload: rules 5 on 2026-01-01, oracle none", differences[2], StringComparison.Ordinal);
        Assert.Equal("movement: rules 2.5 of g1 (usage) to nobody, oracle none", differences[3]);
        Assert.Empty(DecisionComparer.Differences(decision with { Rules = BundledRules.RuleSet.Identity }, decision));
    }

    private sealed record Stats(ConcurrentDictionary<Outcome, int> Outcomes, ConcurrentDictionary<string, int> Cited);

    private Stats AssertAgreement(int seed, int count)
    {
        var generator = new EdgeCaseGenerator(seed);
        var engine = BundledRules.AlwaysInForce;
        var failures = new ConcurrentBag<int>();
        var stats = new Stats(new(), new(StringComparer.Ordinal));
        var clock = Stopwatch.StartNew();
        const int Chunk = 500;
        Parallel.For(0, (count + Chunk - 1) / Chunk, chunk =>
        {
            for (var i = chunk * Chunk; i < Math.Min(count, (chunk + 1) * Chunk); i++)
            {
                var c = generator.Generate(i).Read();
                var decision = engine.Decide(c);
                if (DecisionComparer.Differences(decision, TermsOracle.Decide(c)).Count > 0) failures.Add(i);
                stats.Outcomes.AddOrUpdate(decision.Outcome, 1, (_, n) => n + 1);
                foreach (var rule in decision.Reasons.Select(r => r.Rule).Concat(decision.Expirations.Select(e => e.Rule)).Distinct())
                {
                    stats.Cited.AddOrUpdate(rule, 1, (_, n) => n + 1);
                }
            }
        });
        output.WriteLine($"seed {seed}: {count} cases in {clock.Elapsed.TotalSeconds:F1} s; "
            + string.Join(", ", stats.Outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}")));
        output.WriteLine("rules cited: " + string.Join(", ", stats.Cited.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}")));
        if (!failures.IsEmpty) Assert.Fail(Report(generator, failures.Order().ToArray(), count));
        return stats;
    }

    private static string Report(EdgeCaseGenerator generator, int[] failing, int count)
    {
        var first = generator.Generate(failing[0]);
        var engine = BundledRules.AlwaysInForce;
        bool Disagrees(CreditCase c) => DecisionComparer.Differences(engine.Decide(c), TermsOracle.Decide(c)).Count > 0;
        var minimalJson = CaseShrinker.Shrink(first.Json, Disagrees);
        var minimal = TestCases.Read(TestJson.Write(minimalJson));
        var rules = engine.Decide(minimal);
        var oracle = TermsOracle.Decide(minimal);
        var text = new StringBuilder()
            .AppendLine($"The bundled rules and the oracle disagree on {failing.Length} of {count} generated cases (seed {generator.Seed}).")
            .AppendLine($"First: {first.Origin}")
            .AppendLine("Differences on the minimal case:");
        foreach (var d in DecisionComparer.Differences(rules, oracle)) text.AppendLine("  " + d);
        text.AppendLine("Minimal case:")
            .AppendLine(TestJson.Write(minimalJson, indented: true))
            .AppendLine("Rules decided:")
            .AppendLine(DecisionJson.Serialize(rules))
            .AppendLine("Oracle decided:")
            .AppendLine(DecisionJson.Serialize(oracle))
            .AppendLine("Disagreeing cases: " + string.Join(", ", failing.Take(50)) + (failing.Length > 50 ? ", …" : ""));
        return text.ToString();
    }

    private static int FromEnvironment(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
            : fallback;
}
