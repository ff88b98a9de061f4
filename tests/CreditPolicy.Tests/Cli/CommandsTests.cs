using CreditPolicy.Cli;
using CreditPolicy.Json;

namespace CreditPolicy.Tests.Cli;

public sealed class CommandsTests
{
    internal static async Task<(int Exit, string Stdout, string Stderr)> Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exit = await new Commands(new StringReader(""), stdout, stderr).RunAsync(args);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Generate_SameSeed_WritesTheSameBytes()
    {
        var first = await Run("generate", "--count", "200", "--seed", "11");
        var second = await Run("generate", "--count", "200", "--seed", "11");
        var other = await Run("generate", "--count", "200", "--seed", "12");

        Assert.Equal(0, first.Exit);
        Assert.Equal("", first.Stderr);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.NotEqual(first.Stdout, other.Stdout);
    }

    [Fact]
    public async Task Generate_Count_WritesThatManyValidCasesOnePerLine()
    {
        var (exit, stdout, _) = await Run("generate", "-n", "250", "-s", "3");

        Assert.Equal(0, exit);
        Assert.EndsWith("\n", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(250, lines.Length);
        foreach (var line in lines)
        {
            var read = CaseJson.Read(line);
            Assert.True(read.IsValid, string.Join("; ", read.Problems) + "\n" + line);
        }
    }

    [Fact]
    public async Task Generate_Out_WritesTheSameBytesAsStandardOutputToTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"creditpolicy-generate-{Guid.NewGuid():N}.ndjson");
        try
        {
            var toFile = await Run("generate", "--count", "40", "--seed", "5", "--out", path);
            var toStdout = await Run("generate", "--count", "40", "--seed", "5");

            Assert.Equal(0, toFile.Exit);
            Assert.Equal("", toFile.Stdout);
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(toStdout.Stdout), await File.ReadAllBytesAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Generate_ZeroCount_WritesNothing()
    {
        var (exit, stdout, stderr) = await Run("generate", "--count", "0");

        Assert.Equal(0, exit);
        Assert.Equal("", stdout);
        Assert.Equal("", stderr);
    }

    [Theory]
    [InlineData("--count", "-1", "--count must be zero or more, got -1")]
    [InlineData("--count", "many", "many")]
    [InlineData("--seed", "1.5", "1.5")]
    public async Task Generate_BadOption_ExitsWithBadInputNamingIt(string option, string value, string expected)
    {
        var (exit, stdout, stderr) = await Run("generate", option, value);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_UnwritableOut_ExitsWithBadInputNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"creditpolicy-missing-{Guid.NewGuid():N}", "cases.ndjson");

        var (exit, _, stderr) = await Run("generate", "--count", "1", "--out", path);

        Assert.Equal(2, exit);
        Assert.Contains("cannot write " + path, stderr, StringComparison.Ordinal);
    }
}
