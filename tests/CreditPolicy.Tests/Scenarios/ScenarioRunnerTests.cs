using CreditPolicy.Rules;
using CreditPolicy.Scenarios;

namespace CreditPolicy.Tests.Scenarios;

/// <summary>Runs every scenario of the bundled terms and of the versioning example (each version's and those across versions), and holds every rule to having scenarios.</summary>
public sealed class ScenarioRunnerTests
{
    /// <summary>The rule directories whose scenarios run, relative to the repository: the bundled terms and the versioning example.</summary>
    public const string BundledDirectory = "rules";

    /// <inheritdoc cref="BundledDirectory"/>
    public const string ExampleDirectory = "examples/versioned-rules";

    private static readonly Lazy<RuleCatalogue> Catalogue = new(() => RuleCatalogue.Load(TestPaths.Rules));

    private static readonly Lazy<RuleCatalogue> ExampleCatalogue = new(() => RuleCatalogue.Load(TestPaths.VersionedRules));

    /// <summary>The catalogue of one of the rule directories whose scenarios run, loaded once.</summary>
    public static RuleCatalogue CatalogueOf(string rules) => rules == BundledDirectory ? Catalogue.Value : ExampleCatalogue.Value;

    /// <summary>The folder whose <c>tests/</c> holds a scenario: a version's folder, or the rule directory itself for a
    /// single-version directory's scenarios and for scenarios across versions.</summary>
    public static string ScenarioRoot(string rules, string version)
    {
        var root = Path.Combine(TestPaths.RepositoryRoot, rules);
        return version.Length == 0 ? root : TestPaths.Version(root, version);
    }

    /// <summary>Every scenario as (rule directory, terms version or "" for the directory's top-level tests/, path under that tests/ folder).</summary>
    public static TheoryData<string, string, string> ScenarioFiles()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var file in Files(ScenarioRoot(BundledDirectory, ""))) data.Add(BundledDirectory, "", file);
        foreach (var version in Directory.GetDirectories(Path.Combine(TestPaths.VersionedRules, "versions")).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            foreach (var file in Files(ScenarioRoot(ExampleDirectory, version!))) data.Add(ExampleDirectory, version!, file);
        }

        foreach (var file in Files(ScenarioRoot(ExampleDirectory, ""))) data.Add(ExampleDirectory, "", file);
        return data;

        static IEnumerable<string> Files(string root)
        {
            var (scenarios, unreadable) = ScenarioRunner.Discover(Path.Combine(root, ScenarioRunner.TestsFolder));
            return scenarios.Select(s => s.File).Concat(unreadable.Select(u => u.File)).Order(StringComparer.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void Run_BundledScenario_MatchesItsExpectation(string rules, string version, string file)
    {
        // A version's own scenarios run as if it were in force; the rest are decided as a caller's case would be.
        var catalogue = CatalogueOf(rules);
        var policy = ScenarioSubject.Of(version.Length == 0 ? catalogue : RuleCatalogue.AlwaysInForce(catalogue.Find(version)!));
        var (scenarios, unreadable) = ScenarioRunner.Discover(Path.Combine(ScenarioRoot(rules, version), ScenarioRunner.TestsFolder));
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

    [Theory]
    [InlineData(BundledDirectory, new[] { TestPaths.CurrentVersion })]
    [InlineData(ExampleDirectory, new[] { TestPaths.CurrentVersion, TestPaths.LaterVersion })]
    public void Coverage_BundledRules_EveryRuleOfEveryVersionDecidesInOneScenarioAndNotInAnother(string rules, string[] versions)
    {
        var report = ScenarioRunner.Check(CatalogueOf(rules));

        Assert.Equal(versions, report.Versions.Select(v => v.Version.Identity.TermsVersion));
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
        Assert.Equal(Directory.GetFiles(Path.Combine(dir, "tests", "permit"), "reload-*.json").Length, gap.Decides);
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
