using Microsoft.Extensions.DependencyInjection;

namespace CreditPolicy.Tests.Hosting;

public sealed class CreditPolicyServiceCollectionExtensionsTests
{
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
    public void AddCreditPolicy_WithoutSink_DecidesWithARecord()
    {
        using var provider = new ServiceCollection().AddCreditPolicy(o => o.RulesDirectory = TestPaths.Rules).BuildServiceProvider();

        var decision = provider.GetRequiredService<ICreditPolicy>().Decide(TestCases.Example("use.json"));

        Assert.NotNull(decision.Record);
    }
}
