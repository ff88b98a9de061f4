using CreditPolicy.Rules;
using CreditPolicy.Scenarios;

namespace CreditPolicy.Tests.Scenarios;

/// <summary>Runs every scenario under rules/tests/ and holds every rule to having scenarios.</summary>
public sealed class ScenarioRunnerTests
{
    private static readonly Lazy<RuleSet> Bundled = new(() => RuleSet.Load(TestPaths.Rules));

    public static TheoryData<string> ScenarioFiles()
    {
        var data = new TheoryData<string>();
        var (scenarios, unreadable) = ScenarioRunner.Discover(Path.Combine(TestPaths.Rules, ScenarioRunner.TestsFolder));
        foreach (var file in scenarios.Select(s => s.File).Concat(unreadable.Select(u => u.File)).Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void Run_BundledScenario_MatchesItsExpectation(string file)
    {
        var (scenarios, unreadable) = ScenarioRunner.Discover(Path.Combine(TestPaths.Rules, ScenarioRunner.TestsFolder));
        Assert.DoesNotContain(unreadable, u => u.File == file);
        var scenario = Assert.Single(scenarios, s => s.File == file);

        var result = ScenarioRunner.Run(new CreditPolicyEngine(Bundled.Value), scenario);

        Assert.True(result.Passed, $"{file}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Failures));
        Assert.Equal(scenario.Expected, result.Decision!.Outcome);
    }

    [Fact]
    public void Discover_BundledRules_FindsScenariosOfEveryOutcomeFolder()
    {
        var (scenarios, unreadable) = ScenarioRunner.Discover(Path.Combine(TestPaths.Rules, ScenarioRunner.TestsFolder));

        Assert.Empty(unreadable);
        Assert.Contains(scenarios, s => s.File.StartsWith("permit/", StringComparison.Ordinal));
        Assert.Contains(scenarios, s => s.File.StartsWith("deny/", StringComparison.Ordinal));
    }

    [Fact]
    public void Coverage_BundledRules_EveryRuleDecidesInOneScenarioAndNotInAnother()
    {
        var report = ScenarioRunner.Check(Bundled.Value);

        Assert.True(report.Gaps.Count == 0, "Rules without scenarios:" + Environment.NewLine + string.Join(Environment.NewLine, report.Gaps));
        Assert.Equal(Bundled.Value.Rules.Count(r => r.Enabled), Bundled.Value.Rules.Count);
    }

    [Fact]
    public void Check_RuleWithoutADecidingScenario_ReportsTheGap()
    {
        var dir = TestPaths.CopyRules();
        File.Delete(Path.Combine(dir, "tests", "deny", "restore-expired-credit.json"));

        var report = ScenarioRunner.Check(RuleSet.Load(dir));

        var gap = Assert.Single(report.Gaps);
        Assert.Equal("restore-expired-credit", gap.Rule);
        Assert.Equal(0, gap.Decides);
        Assert.Contains("decides in no scenario", gap.ToString());
        Assert.False(report.Succeeded);
    }

    [Fact]
    public void Check_RuleNeverRunWithoutDeciding_ReportsTheMissingCounterExample()
    {
        var dir = TestPaths.CopyRules();
        foreach (var file in Directory.GetFiles(Path.Combine(dir, "tests", "deny"), "reload-*.json"))
        {
            File.Delete(file);
        }

        var report = ScenarioRunner.Check(RuleSet.Load(dir));

        var gap = Assert.Single(report.Gaps, g => g.Rule == "reload-due");
        Assert.Equal(2, gap.Decides);
        Assert.Equal(0, gap.DoesNotDecide);
        Assert.Contains("runs in no scenario without deciding", gap.ToString());
    }

    [Fact]
    public void Run_WrongExpectation_FailsNamingTheField()
    {
        var dir = TestPaths.CopyRules();
        var path = Path.Combine(dir, "tests", "permit", "use-draws-soonest-expiry-first.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"amount\": 12.5", "\"amount\": 12.4", StringComparison.Ordinal));

        var report = ScenarioRunner.Check(RuleSet.Load(dir));

        var failed = Assert.Single(report.Results, r => !r.Passed);
        Assert.Equal("permit/use-draws-soonest-expiry-first.json", failed.File);
        Assert.Equal("allocations[1].amount: expected 12.4, got 12.5", Assert.Single(failed.Failures));
    }

    [Fact]
    public void Discover_ScenarioOutsideAnOutcomeFolder_IsReportedUnreadable()
    {
        var dir = TestPaths.CopyRules();
        File.Copy(Path.Combine(dir, "tests", "deny", "refund-denied.json"), Path.Combine(dir, "tests", "refund.json"));

        var (_, unreadable) = ScenarioRunner.Discover(Path.Combine(dir, "tests"));

        var bad = Assert.Single(unreadable);
        Assert.Equal("refund.json", bad.File);
        Assert.Contains("permit/, deny/ or indeterminate/", Assert.Single(bad.Failures));
    }
}
