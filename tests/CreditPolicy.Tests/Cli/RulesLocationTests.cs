using CreditPolicy.Cli;
using CreditPolicy.Rules;

namespace CreditPolicy.Tests.Cli;

/// <summary>Which rule directory a command uses: --rules, else CREDITPOLICY_RULES, else ./rules, else the bundled terms.</summary>
public sealed class RulesLocationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", "rules-location-" + Guid.NewGuid().ToString("N"));

    public RulesLocationTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cwd"));
        Directory.CreateDirectory(Path.Combine(_root, "tool", "rules"));
        Directory.CreateDirectory(Path.Combine(_root, "named"));
        Directory.CreateDirectory(Path.Combine(_root, "from-env"));
    }

    private string Cwd => Path.Combine(_root, "cwd");

    private string Tool => Path.Combine(_root, "tool");

    private string Named => Path.Combine(_root, "named");

    private string FromEnv => Path.Combine(_root, "from-env");

    private string Missing => Path.Combine(_root, "missing");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private RulesSearch Search(string? environment = null) => new(environment, Cwd, Tool);

    private void WithLocalRules() => Directory.CreateDirectory(Path.Combine(Cwd, "rules"));

    [Fact]
    public void TryResolve_NamedOnTheCommandLine_WinsOverEverythingElse()
    {
        WithLocalRules();

        Assert.True(RulesLocation.TryResolve(Named, Search(FromEnv), out var location, out var error));

        Assert.Null(error);
        Assert.Equal(new RulesLocation(Named, RulesOrigin.CommandLine), location);
        Assert.False(location!.IsImplicit);
    }

    [Fact]
    public void TryResolve_NamedDirectoryMissing_FailsSayingSoWithoutFallingBack()
    {
        WithLocalRules();

        Assert.False(RulesLocation.TryResolve(Missing, Search(FromEnv), out var location, out var error));

        Assert.Null(location);
        Assert.Equal($"rules: the rule directory {Missing} does not exist (named on the command line); pass --rules DIR with a rule directory, or set CREDITPOLICY_RULES", error);
    }

    [Fact]
    public void TryResolve_EnvironmentVariable_WinsOverTheCurrentDirectoryAndTheBundledTerms()
    {
        WithLocalRules();

        Assert.True(RulesLocation.TryResolve(null, Search(FromEnv), out var location, out _));

        Assert.Equal(new RulesLocation(FromEnv, RulesOrigin.Environment), location);
        Assert.True(location!.IsImplicit);
    }

    [Fact]
    public void TryResolve_EnvironmentVariableNamingAMissingDirectory_FailsSayingSoWithoutFallingBack()
    {
        WithLocalRules();

        Assert.False(RulesLocation.TryResolve(null, Search(Missing), out var location, out var error));

        Assert.Null(location);
        Assert.Equal($"rules: the rule directory {Missing} does not exist (named by CREDITPOLICY_RULES); set CREDITPOLICY_RULES to a rule directory, unset it, or pass --rules DIR", error);
    }

    [Fact]
    public void TryResolve_EmptyEnvironmentVariable_IsUnset()
    {
        Assert.True(RulesLocation.TryResolve(null, Search(""), out var location, out _));

        Assert.Equal(RulesOrigin.Bundled, location!.Origin);
    }

    [Fact]
    public void TryResolve_RulesInTheCurrentDirectory_WinOverTheBundledTerms()
    {
        WithLocalRules();

        Assert.True(RulesLocation.TryResolve(null, Search(), out var location, out _));

        Assert.Equal(new RulesLocation(Path.Combine(Cwd, "rules"), RulesOrigin.CurrentDirectory), location);
    }

    [Fact]
    public void TryResolve_NothingElse_UsesTheBundledTermsBesideTheTool()
    {
        Assert.True(RulesLocation.TryResolve(null, Search(), out var location, out _));

        Assert.Equal(new RulesLocation(Path.Combine(Tool, "rules"), RulesOrigin.Bundled), location);
    }

    [Fact]
    public void TryResolve_NoBundledTermsEither_FailsSuggestingTheOptionAndTheVariable()
    {
        Directory.Delete(Path.Combine(Tool, "rules"));

        Assert.False(RulesLocation.TryResolve(null, Search(), out var location, out var error));

        Assert.Null(location);
        Assert.StartsWith("rules: no rule directory: none named by --rules or CREDITPOLICY_RULES, no ./rules in ", error);
        Assert.EndsWith("; pass --rules DIR or set CREDITPOLICY_RULES", error);
    }

    [Fact]
    public void Describe_EachOrigin_SaysWhereTheRulesCameFromOnOneLine()
    {
        var bundled = RuleCatalogue.Load(TestPaths.Rules);

        Assert.Equal($"rules: bundled terms 2026-11-24 ({TestPaths.Rules})", new RulesLocation(TestPaths.Rules, RulesOrigin.Bundled).Describe(bundled));
        Assert.Equal($"rules: bundled terms ({TestPaths.Rules})", new RulesLocation(TestPaths.Rules, RulesOrigin.Bundled).Describe());
        Assert.Equal("rules: ./rules (current directory)", new RulesLocation(TestPaths.Rules, RulesOrigin.CurrentDirectory).Describe(bundled));
        Assert.Equal($"rules: {FromEnv} (CREDITPOLICY_RULES)", new RulesLocation(FromEnv, RulesOrigin.Environment).Describe(bundled));
    }

    [Fact]
    public void FromProcess_ReadsTheVariableTheCurrentDirectoryAndTheBaseDirectory()
    {
        var search = RulesSearch.FromProcess();

        Assert.Equal(Environment.GetEnvironmentVariable("CREDITPOLICY_RULES"), search.EnvironmentValue);
        Assert.Equal(Directory.GetCurrentDirectory(), search.CurrentDirectory);
        Assert.Equal(AppContext.BaseDirectory, search.ToolDirectory);
    }
}
