using System.Collections.Concurrent;
using System.Diagnostics;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using Xunit.Abstractions;

namespace CreditPolicy.Tests;

/// <summary>One <see cref="CreditPolicyEngine"/> shared by many threads decides exactly as it does on one.</summary>
public sealed class CreditPolicyEngineConcurrencyTests(ITestOutputHelper output)
{
    private const int Seed = 8080;

    private const int Threads = 8;

    private const int DecisionsPerThread = 5_000;

    [Fact]
    public void Decide_SharedByEightThreads_GivesTheSingleThreadedBytesEveryTime()
    {
        var engine = BundledRules.AlwaysInForce;
        var cases = new EdgeCaseGenerator(Seed).GenerateMany(1_000).Select(g => g.Read()).ToArray();
        var expected = cases.Select(c => DecisionJson.Serialize(engine.Decide(c), indented: false)).ToArray();
        var failures = new ConcurrentQueue<string>();
        var done = new int[Threads];
        using var start = new Barrier(Threads);
        var clock = Stopwatch.StartNew();

        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                // Each thread walks the cases from its own offset with its own stride, so threads meet on different cases.
                for (var n = 0; n < DecisionsPerThread && failures.IsEmpty; n++)
                {
                    var i = (int)((t * 7919L + n * (2L * t + 1)) % cases.Length);
                    var decision = n % 64 == 0 ? engine.Explain(cases[i]).Decision : engine.Decide(cases[i]);
                    var actual = DecisionJson.Serialize(decision, indented: false);
                    if (actual != expected[i]) failures.Enqueue($"thread {t}, case {i} (seed {Seed}): {actual}{Environment.NewLine}expected {expected[i]}");
                    done[t]++;
                }
            }
            catch (Exception ex)
            {
                failures.Enqueue($"thread {t}: {ex}");
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "a thread did not finish in two minutes");

        output.WriteLine($"{done.Sum()} decisions on {Threads} threads in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures.Take(5)));
        Assert.All(done, d => Assert.Equal(DecisionsPerThread, d));
    }

    [Fact]
    public void Decide_StepBudgetUnderManyThreads_IsCountedPerDecision()
    {
        // A few hundred steps per decision (grant rules over 20 grants, two sums) against a budget of 1,000: a budget shared between threads would run out at once.
        var engine = new CreditPolicyEngine(BundledRules.RuleSet, maxStepsPerDecision: 1_000);
        var builder = new CaseBuilder();
        for (var i = 0; i < 20; i++) builder.Promotional($"g{i:D3}", 1m, NodaTime.Text.InstantPattern.ExtendedIso.Format(CaseBuilder.At("2026-11-25T10:00:00Z") - NodaTime.Duration.FromDays(1 + i)));
        var c = builder.Use(15m);
        var outcomes = new ConcurrentDictionary<Outcome, int>();

        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ => outcomes.AddOrUpdate(engine.Decide(c).Outcome, 1, (_, n) => n + 1));

        Assert.Equal([Outcome.Permit], outcomes.Keys);
        Assert.Equal(4_000, outcomes[Outcome.Permit]);
    }
}
