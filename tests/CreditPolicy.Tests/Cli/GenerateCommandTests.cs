using CreditPolicy.Tests.Cli.Generation;

namespace CreditPolicy.Tests.Cli;

/// <summary>The generate command: NDJSON of valid cases for the rules it resolves, the same bytes for a seed whatever the cores.</summary>
public sealed class GenerateCommandTests
{
    [Fact]
    public async Task Generate_SameSeed_WritesTheSameBytesWhateverTheParallelism()
    {
        var one = await CliRunner.Run("", "generate", "--count", "150", "--seed", "11", "--rules", TestPaths.Rules, "--parallel", "1");
        var two = await CliRunner.Run("", "generate", "--count", "150", "--seed", "11", "--rules", TestPaths.Rules, "--parallel", "2");
        var other = await CliRunner.Run("", "generate", "--count", "150", "--seed", "12", "--rules", TestPaths.Rules);

        Assert.Equal(0, one.Exit);
        Assert.Equal("", one.Err);
        Assert.Equal(one.Out, two.Out);
        Assert.NotEqual(one.Out, other.Out);
    }

    [Fact]
    public async Task Generate_Count_WritesThatManyValidCasesOnePerLine()
    {
        var (exit, stdout, _) = await CliRunner.Run("", "generate", "-n", "120", "-s", "3", "--rules", TestPaths.VersionedRules);

        Assert.Equal(0, exit);
        Assert.EndsWith("\n", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(120, lines.Length);
        var catalogue = GenerationFixtures.Catalogue(GenerationFixtures.Versioned);
        Assert.All(lines, line => TestCases.Read(line, catalogue));
    }

    [Fact]
    public async Task Generate_RulesOfAnotherVocabulary_GeneratesCasesOfThatVocabulary()
    {
        var rules = GenerationFixtures.RenamedRules();

        var (exit, stdout, _) = await CliRunner.Run("", "generate", "-n", "60", "--rules", rules);

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(0, exit);
        Assert.Equal(60, lines.Length);
        Assert.Contains(lines, l => l.Contains("\"kind\":\"prepaid\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("\"usage\"", StringComparison.Ordinal) || l.Contains("holderAccountId", StringComparison.Ordinal));
        var catalogue = GenerationFixtures.Catalogue(GenerationFixtures.Renamed);
        Assert.All(lines, line => TestCases.Read(line, catalogue));
    }

    [Fact]
    public async Task Generate_Out_WritesTheSameBytesAsStandardOutputToTheFile()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "book.ndjson");

        var toFile = await CliRunner.Run("", "generate", "--count", "40", "--seed", "5", "--rules", TestPaths.Rules, "--out", path);
        var toStdout = await CliRunner.Run("", "generate", "--count", "40", "--seed", "5", "--rules", TestPaths.Rules);

        Assert.Equal(0, toFile.Exit);
        Assert.Equal("", toFile.Out);
        Assert.Equal(toStdout.Out, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("--count", "-1", "--count must be zero or more, got -1")]
    [InlineData("--parallel", "0", "--parallel must be at least 1, got 0")]
    [InlineData("--rules", "/no/such/rules", "the rule directory /no/such/rules does not exist")]
    public async Task Generate_BadOption_ExitsWithBadInputNamingIt(string option, string value, string expected)
    {
        string[] args = option == "--rules" ? ["generate", option, value] : ["generate", "--rules", TestPaths.Rules, option, value];

        var (exit, stdout, stderr) = await CliRunner.Run("", args);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_Help_SaysWhereTheCasesComeFrom()
    {
        var (exit, stdout, _) = await CliRunner.Run("", "generate", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--rules", stdout, StringComparison.Ordinal);
        Assert.Contains("from the vocabulary each version of the terms declares", stdout, StringComparison.Ordinal);
        Assert.Contains("periods the rules declare", stdout, StringComparison.Ordinal);
    }
}
