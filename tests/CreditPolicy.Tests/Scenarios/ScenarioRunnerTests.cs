using CreditPolicy.Rules;
using CreditPolicy.Scenarios;

namespace CreditPolicy.Tests.Scenarios;

/// <summary>Runs every scenario of every bundled version of the terms, and those across versions, and holds every rule to having scenarios.</summary>
public sealed class ScenarioRunnerTests
{
    private static readonly Lazy<RuleCatalogue> Catalogue = new(() => RuleCatalogue.Load(TestPaths.Rules));


    /// <summary>Every bundled scenario as (terms version, or "" for the scenarios across versions; path under its tests/ folder).</summary>
    public static TheoryData<string, string> ScenarioFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var version in Directory.GetDirectories(Path.Combine(TestPaths.Rules, "versions")).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            foreach (var file in Files(Path.Combine(TestPaths.Version(TestPaths.Rules, version!), ScenarioRunner.TestsFolder))) data.Add(version!, file);
        }

        foreach (var file in Files(Path.Combine(TestPaths.Rules, ScenarioRunner.TestsFolder))) data.Add("", file);
        return data;

        static IEnumerable<string> Files(string directory)
        {
            var (scenarios, unreadable) = ScenarioRunner.Discover(directory);
            return scenarios.Select(s => s.File).Concat(unreadable.Select(u => u.File)).Order(StringComparer.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void Run_BundledScenario_MatchesItsExpectation(string version, string file)
    {
        var (directory, policy) = version.Length == 0
            ? (TestPaths.Rules, new CreditPolicyEngine(Catalogue.Value))
            : (TestPaths.Version(TestPaths.Rules, version), new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(Catalogue.Value.Find(version)!)));
        var (scenarios, unreadable) = ScenarioRunner.Discover(Path.Combine(directory, ScenarioRunner.TestsFolder));
        Assert.DoesNotContain(unreadable, u => u.File == file);
        var scenario = Assert.Single(scenarios, s => s.File == file);

        var result = ScenarioRunner.Run(policy, scenario);

        Assert.True(result.Passed, $"{file}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Failures));
        Assert.Equal(scenario.Expected, result.Decision!.Outcome);
    }

    [Fact]
    public void Discover_BundledRules_FindsScenariosOfEveryOutcomeFolder()
    {
        var (scenarios, unreadable) = ScenarioRunner.Discover(Path.Combine(TestPaths.CurrentTerms, ScenarioRunner.TestsFolder));

        Assert.Empty(unreadable);
        Assert.Contains(scenarios, s => s.File.StartsWith("permit/", StringComparison.Ordinal));
        Assert.Contains(scenarios, s => s.File.StartsWith("deny/", StringComparison.Ordinal));
    }

    [Fact]
    public void Coverage_BundledRules_EveryRuleOfEveryVersionDecidesInOneScenarioAndNotInAnother()
    {
        var report = ScenarioRunner.Check(Catalogue.Value);

        Assert.Equal([TestPaths.EarlierVersion, TestPaths.CurrentVersion], report.Versions.Select(v => v.Version.Identity.TermsVersion));
        foreach (var (version, versionReport) in report.Versions)
        {
            Assert.True(versionReport.Gaps.Count == 0, $"Rules of {version.Identity.TermsVersion} without scenarios:" + Environment.NewLine + string.Join(Environment.NewLine, versionReport.Gaps));
            Assert.Equal(version.Rules.Count(r => r.Enabled), version.Rules.Count);
        }

        Assert.True(report.Succeeded, string.Join(Environment.NewLine, report.Problems()));
    }

    [Fact]
    public void Check_RuleWithoutADecidingScenario_ReportsTheGap()
    {
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
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
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
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
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
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
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        File.Copy(Path.Combine(dir, "tests", "deny", "refund-denied.json"), Path.Combine(dir, "tests", "refund.json"));

        var (_, unreadable) = ScenarioRunner.Discover(Path.Combine(dir, "tests"));

        var bad = Assert.Single(unreadable);
        Assert.Equal("refund.json", bad.File);
        Assert.Contains("permit/, deny/ or indeterminate/", Assert.Single(bad.Failures));
    }
}
