using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CreditPolicy.Tests.Hosting;

public sealed class CreditPolicyServiceCollectionExtensionsTests
{
    [Fact]
    public void AddCreditPolicy_RulesDirectory_RegistersSingletonPolicyThatDecides()
    {
        var services = new ServiceCollection();

        var returned = services.AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var policy = provider.GetRequiredService<ICreditPolicy>();

        Assert.Same(services, returned);
        Assert.Same(policy, provider.GetRequiredService<ICreditPolicy>());
        Assert.Equal(ServiceLifetime.Singleton, Assert.Single(services, d => d.ServiceType == typeof(ICreditPolicy)).Lifetime);
        Assert.Equal([TestPaths.CurrentVersion], policy.Catalogue.Versions.Select(v => v.Identity.TermsVersion));
        var decision = policy.Decide(new CaseBuilder().Usage("g1", 5m, "2026-06-01T00:00:00Z").Naming("refund", "g1"));
        Assert.Equal(Outcome.Deny, decision.Outcome);
        Assert.Equal("refund-denied", Assert.Single(decision.Reasons).Rule);
    }

    [Fact]
    public void AddCreditPolicy_CalledTwice_RegistersOnePolicy()
    {
        var services = new ServiceCollection();

        services.AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules).AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules);

        Assert.Single(services, d => d.ServiceType == typeof(ICreditPolicy));
    }

    [Fact]
    public void AddCreditPolicy_NullServices_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules));

        Assert.Equal("services", ex.ParamName);
    }

    [Fact]
    public void AddCreditPolicy_NullConfigure_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddCreditPolicy(null!));

        Assert.Equal("configure", ex.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void AddCreditPolicy_MissingRulesDirectory_FailsOptionsValidationNamingIt(string directory)
    {
        using var provider = new ServiceCollection().AddCreditPolicy(o => o.RulesDirectory = directory).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ICreditPolicy>());

        Assert.Equal(typeof(CreditPolicyOptions), ex.OptionsType);
        Assert.Equal(["CreditPolicyOptions.RulesDirectory is required: the directory holding terms.json and the rule files, or versions/."], ex.Failures);
        Assert.Contains("RulesDirectory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCreditPolicy_MissingRulesDirectory_FailsStartupValidation()
    {
        using var provider = new ServiceCollection().AddCreditPolicy(_ => { }).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("RulesDirectory is required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCreditPolicy_RulesDirectoryDoesNotExist_FailsOptionsValidation()
    {
        var missing = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", "no-such-" + Guid.NewGuid().ToString("N"));
        using var provider = new ServiceCollection().AddCreditPolicy(o => o.RulesDirectory = missing).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ICreditPolicy>());

        var failure = Assert.Single(ex.Failures);
        Assert.Equal($"CreditPolicyOptions.RulesDirectory '{missing}' does not exist (resolved to {missing}).", failure);
    }

    [Fact]
    public void AddCreditPolicy_RulesThatDoNotLoad_ThrowRuleSetLoadExceptionOnResolve()
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("cash-value.json", "refund-denied", "c.Nope");
        using var provider = new ServiceCollection().AddCreditPolicy(o => o.RulesDirectory = rules.Path).BuildServiceProvider();

        var ex = Assert.Throws<RuleSetLoadException>(() => provider.GetRequiredService<ICreditPolicy>());

        Assert.Equal("refund-denied", Assert.Single(ex.Problems).Rule);
    }

    [Fact]
    public void Decide_TenThousandCallsInParallelOnOneInstance_AllEqualTheSingleThreadedResult()
    {
        using var provider = new ServiceCollection().AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules).BuildServiceProvider();
        var policy = provider.GetRequiredService<ICreditPolicy>();

        // Read as an embedding team reads them, against the policy's own vocabulary (so no decision reads its case again).
        var grants = new CaseBuilder(policy.Catalogue)
            .InZone("America/New_York")
            .WithMaintenance(threshold: 100m)
            .Usage("g1", 40m, "2026-02-01T10:00:00Z", amount: 100m)
            .Usage("g0", 30m, "2025-06-01T10:00:00Z")
            .Promotional("g2", 20m, "2026-01-05T00:00:00Z", expiresAt: "2026-12-01T00:00:00Z")
            .Promotional("g3", 2.5m, "2026-03-08T07:30:00Z")
            .UnconfirmedPurchase("g4", 9m, "2026-11-24T00:00:00Z");
        CreditCase[] cases =
        [
            grants.Use(32.50m), grants.Use(1000m), grants.Expirations(), grants.Of("balance"),
            grants.Of("reload"), grants.Of("closeAccount"), grants.Naming("restore", "g0"),
            grants.Naming("refund", "g1"),
        ];
        var expected = cases.Select(c => DecisionJson.Serialize(policy.Decide(c))).ToArray();
        Assert.Equal(expected.Length, expected.Distinct(StringComparer.Ordinal).Count());
        var actual = new string[10_000];

        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            actual[i] = DecisionJson.Serialize(policy.Decide(cases[i % cases.Length])));

        for (var i = 0; i < actual.Length; i++) Assert.Equal(expected[i % cases.Length], actual[i]);
    }

    // Explain, trace, decision records and the decision log.

    [Fact]
    public void AddDecisionLog_WithAddCreditPolicy_LogsEveryDecisionOfThePolicy()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var services = new ServiceCollection()
            .AddDecisionLog(path)
            .AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules);
        using (var provider = services.BuildServiceProvider())
        {
            var policy = provider.GetRequiredService<ICreditPolicy>();
            policy.Decide(TestCases.Example("use.json"));
            policy.Decide(TestCases.Example("refund.json"));
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"type\":\"refund\"", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void AddDecisionLog_EmptyPath_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddDecisionLog(" "));
    }

    [Fact]
    public void AddCreditPolicy_TimeZoneDatabasePath_DecisionsCiteTheLoadedVersion()
    {
        var tzdb = TestTimeZones.WithOtherVersion();
        using var provider = new ServiceCollection().AddCreditPolicy(o =>
        {
            o.RulesDirectory = TestPaths.Rules;
            o.TimeZoneDatabasePath = tzdb;
            o.WatchForChanges = false;
        }).BuildServiceProvider();
        var policy = provider.GetRequiredService<ICreditPolicy>();

        var decision = policy.Decide(TestCases.Example("use.json"));

        Assert.Equal(TestTimeZones.OtherVersion, decision.Rules.Tzdb);
        Assert.Equal(TestTimeZones.OtherVersion, policy.Catalogue.Identity.Tzdb);
        Assert.Equal(Outcome.Permit, decision.Outcome);
    }

    [Fact]
    public void AddCreditPolicy_TimeZoneDatabasePathNotATzDatabase_ThrowsInvalidDataExceptionOnResolve()
    {
        var broken = TestTimeZones.NotADatabase();
        using var provider = new ServiceCollection().AddCreditPolicy(o =>
        {
            o.RulesDirectory = TestPaths.Rules;
            o.TimeZoneDatabasePath = broken;
            o.WatchForChanges = false;
        }).BuildServiceProvider();

        var ex = Assert.Throws<InvalidDataException>(() => provider.GetRequiredService<ICreditPolicy>());

        Assert.StartsWith($"{broken}: not a NodaTime tz database (.nzd): ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCreditPolicy_WithoutTimeZoneDatabasePath_DecisionsCiteTheBundledVersion()
    {
        using var provider = new ServiceCollection().AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules).BuildServiceProvider();

        var decision = provider.GetRequiredService<ICreditPolicy>().Decide(TestCases.Example("use.json"));

        Assert.Equal(TimeZoneDatabase.Bundled.Version, decision.Rules.Tzdb);
        Assert.Equal(NodaTime.TimeZones.TzdbDateTimeZoneSource.Default.TzdbVersion, decision.Rules.Tzdb);
    }

    [Fact]
    public void AddCreditPolicy_WithoutSink_DecidesWithARecord()
    {
        using var provider = new ServiceCollection().AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules).BuildServiceProvider();

        var decision = provider.GetRequiredService<ICreditPolicy>().Decide(TestCases.Example("use.json"));

        Assert.NotNull(decision.Record);
    }
}
