using CreditPolicy.Cli;
using CreditPolicy.Server;
using CreditPolicy.Tests.Cli;

namespace CreditPolicy.Tests.Server;

/// <summary>The <c>serve</c> command's options and the ways it refuses to start (exit 2, one line on stderr saying why).</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public void DefaultServeUrls_IsTheServersDefault()
    {
        Assert.Equal(CreditPolicyServerOptions.DefaultUrls, Commands.DefaultServeUrls);
        Assert.Equal("http://127.0.0.1:8181", Commands.DefaultServeUrls);
    }

    [Fact]
    public async Task Help_Serve_ListsItsOptionsAndExitCodes()
    {
        var run = await CliRunner.Run("", "serve", "--help");

        Assert.Equal(0, run.Exit);
        foreach (var option in new[] { "--rules", "--urls", "--token-file", "--allow-unauthenticated", "--log", "--tzdb" }) Assert.Contains(option, run.Out, StringComparison.Ordinal);
        Assert.EndsWith(ExitCodes.HelpFor("serve") + "\n", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_MissingRuleDirectory_Exit2NamingIt()
    {
        var run = await CliRunner.Run("", "serve", "--rules", "/nonexistent/rules");

        Assert.Equal(2, run.Exit);
        Assert.StartsWith("error: rules: the rule directory /nonexistent/rules does not exist", run.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short\n", "the token has 5 characters; it needs at least 16")]
    [InlineData(null, "no such file")]
    public async Task Serve_UnusableTokenFile_Exit2SayingWhy(string? content, string message)
    {
        var file = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"), "token");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        if (content is not null) await File.WriteAllTextAsync(file, content);

        var run = await CliRunner.Run("", "serve", "--rules", TestPaths.Rules, "--token-file", file);

        Assert.Equal(2, run.Exit);
        Assert.StartsWith($"error: --token-file {file}: ", run.Err, StringComparison.Ordinal);
        Assert.Contains(message, run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_RulesThatDoNotLoad_Exit2ListingTheProblems()
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("cash-value.json", "refund-denied", "c.Request.NoSuchField == 1");

        var run = await CliRunner.Run("", "serve", "--rules", rules.Path);

        Assert.Equal(2, run.Exit);
        Assert.StartsWith($"error: The rule set in {rules.Path} did not load", run.Err, StringComparison.Ordinal);
        Assert.Contains("refund-denied", run.Err, StringComparison.Ordinal);
    }
}
