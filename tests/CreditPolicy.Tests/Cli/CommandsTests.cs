using CreditPolicy.Cli;

namespace CreditPolicy.Tests.Cli;

/// <summary>The creditpolicy command, run in-process.</summary>
public sealed class CommandsTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await new Commands(new StringReader(""), stdout, stderr).RunAsync(args);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Check_BundledRules_NamesTheVersionOfEveryLineAndPasses()
    {
        var (exit, output, error) = await Run("check", TestPaths.Rules);

        Assert.True(exit == 0, output + error);
        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Loaded 2 versions of the terms from ", lines[0]);
        Assert.Matches(@"^  2025-01-01  in force from 2025-01-01T00:00:00Z  \d+ rules from \d+ files  sha256:[0-9a-f]{64}$", lines[1]);
        Assert.Matches(@"^  2026-11-24  in force from 2026-11-24T00:00:00Z  \d+ rules from \d+ files  sha256:[0-9a-f]{64}$", lines[2]);
        Assert.Contains("PASS  2025-01-01  versions/2025-01-01/tests/permit/expirations-month-end-and-dst-gap.json  permit by expirations-listed", lines);
        Assert.Contains("PASS  2026-11-24  versions/2026-11-24/tests/deny/refund-denied.json  deny by refund-denied", lines);
        Assert.Contains("PASS  2025-01-01  tests/deny/use-pinned-account-keeps-earlier-terms.json  deny by use-insufficient-credits, grant-expired", lines);
        Assert.Contains("PASS  2026-11-24  tests/permit/use-promotional-live-under-current-terms.json  permit by use-draws-credits", lines);
        Assert.Contains("PASS  -           tests/indeterminate/no-terms-before-the-earliest-version.json  indeterminate by evaluator:no-terms-in-force", lines);
        var results = lines.Where(l => l.StartsWith("PASS", StringComparison.Ordinal) || l.StartsWith("FAIL", StringComparison.Ordinal)).ToArray();
        Assert.All(results, l => Assert.StartsWith("PASS", l));
        Assert.Equal($"{results.Length} passed, 0 failed", lines[^1]);
    }

    [Fact]
    public async Task Check_SingleVersionDirectory_WorksAsBefore()
    {
        var (exit, output, _) = await Run("check", TestPaths.CurrentTerms);

        Assert.Equal(0, exit);
        Assert.StartsWith("Loaded 1 version of the terms from ", output);
        Assert.Contains("PASS  2026-11-24  tests/deny/refund-denied.json  deny by refund-denied", output);
    }

    [Fact]
    public async Task Check_FailingScenarioInOneVersion_FailsNamingTheVersion()
    {
        var dir = TestPaths.CopyRules();
        var scenario = Path.Combine(TestPaths.Version(dir, TestPaths.EarlierVersion), "tests", "permit", "expirations-month-end-and-dst-gap.json");
        File.WriteAllText(scenario, File.ReadAllText(scenario).Replace("2025-02-28T18:00:00Z", "2025-03-01T18:00:00Z", StringComparison.Ordinal));

        var (exit, output, _) = await Run("check", dir);

        Assert.Equal(1, exit);
        Assert.Contains("FAIL  2025-01-01  versions/2025-01-01/tests/permit/expirations-month-end-and-dst-gap.json  permit by expirations-listed", output);
        Assert.Contains("expirations[0].expiresAt: expected \"2025-03-01T18:00:00Z\", got \"2025-02-28T18:00:00Z\"", output);
        Assert.EndsWith(", 1 failed" + Environment.NewLine, output);
    }

    [Fact]
    public async Task Check_BadRuleInOneVersion_Exits2NamingVersionFileAndRule()
    {
        var dir = TestPaths.CopyRules();
        var use = Path.Combine(TestPaths.Version(dir, TestPaths.CurrentVersion), "use.json");
        File.WriteAllText(use, File.ReadAllText(use).Replace("\"Expression\"", "\"Expresion\"", StringComparison.Ordinal));

        var (exit, output, error) = await Run("check", dir);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains("versions/2026-11-24/use.json:", error);
        Assert.Contains("unknown rule field 'Expresion'; did you mean 'Expression'?", error);
    }

    [Fact]
    public async Task Evaluate_ReadmeExample_IsDecidedByTheTermsInForce()
    {
        var (exit, output, _) = await Run("evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", TestPaths.Rules, "--compact");

        Assert.Equal(0, exit);
        Assert.StartsWith("{\"outcome\":\"permit\"", output);
        Assert.Contains("\"rules\":{\"termsVersion\":\"2026-11-24\",\"digest\":\"sha256:", output);
    }

    [Fact]
    public async Task Evaluate_AccountPinnedToAnUnknownVersion_PrintsAnIndeterminateDecision()
    {
        var path = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N") + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json"))
            .Replace("\"id\": \"acct_1\",", "\"id\": \"acct_1\", \"termsVersion\": \"1999-01-01\",", StringComparison.Ordinal));

        var (exit, output, _) = await Run("evaluate", path, "--rules", TestPaths.Rules, "--compact");

        Assert.Equal(0, exit);
        Assert.StartsWith("{\"outcome\":\"indeterminate\",\"reasons\":[{\"rule\":\"evaluator:unknown-terms-version\",\"clause\":null,\"message\":\"The account is pinned to terms version '1999-01-01', which these rules do not hold (they hold 2025-01-01, 2026-11-24).\"}]", output);
    }
}
