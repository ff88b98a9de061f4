using CreditPolicy.Cli;
using CreditPolicy.Records;
using CreditPolicy.Schemas;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Cli;

public sealed class CommandsTests
{
    private static readonly string UseExpired = Path.Combine(TestPaths.Examples, "use-expired.json");

    private static async Task<(int Exit, string Out, string Err)> Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await new Commands(new StringReader(stdin), stdout, stderr).RunAsync(args);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Explain_DeniedUse_PrintsTheExpiredGrantsExpiryAndAsOfThenTheDecision()
    {
        var (exit, output, error) = await Run("", "explain", UseExpired, "--rules", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        var at = Array.FindIndex(lines, l => l.EndsWith("grant-expired (B.1) for grant g1: fired, status expired", StringComparison.Ordinal));
        Assert.True(at > 0, output);
        Assert.Equal("c.AsOf = 2026-11-25T10:00:00Z", lines[at + 1].Trim());
        Assert.Equal("g.Expiry = 2026-11-21T09:00:00Z", lines[at + 2].Trim());
        Assert.Contains("\nDecision: deny\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_Stdin_ExplainsTheCaseRead()
    {
        var (exit, output, _) = await Run(File.ReadAllText(UseExpired), "explain", "-", "--rules", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Contains("grant-expired (B.1) for grant g2: fired", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_ScenarioFile_ExplainsItsCase()
    {
        var scenario = Path.Combine(TestPaths.Rules, "tests", "deny", "use-expired-exactly-at-expiry.json");

        var (exit, output, _) = await Run("", "explain", scenario, "--rules", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Contains("Decision: deny", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_InvalidCase_ExitsTwoNamingTheField()
    {
        var (exit, output, error) = await Run("""{"asOf": 5}""", "explain", "-", "--rules", TestPaths.Rules);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("asOf (line 1, column 10): expected an ISO-8601 instant", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_WithoutTrace_HasNoTrace()
    {
        var (exit, output, _) = await Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Null(JObject.Parse(output)["trace"]);
        Assert.NotNull(JObject.Parse(output)["record"]);
    }

    [Fact]
    public async Task Evaluate_Trace_AddsTheTraceAndLeavesTheDecisionBytesAlone()
    {
        var (_, plain, _) = await Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules, "--compact");
        var (exit, traced, _) = await Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules, "--compact", "--trace");

        Assert.Equal(0, exit);
        Assert.StartsWith(plain.TrimEnd()[..^1] + ",\"trace\":[{\"rule\":\"use-on-closed-account\"", traced, StringComparison.Ordinal);
        var trace = (JArray)JObject.Parse(traced)["trace"]!;
        Assert.Contains(trace, t => (string?)t["rule"] == "grant-expired" && (string?)t["grantId"] == "g1" && t["values"]!.Any(v => (string?)v["expression"] == "c.AsOf"));
    }

    [Fact]
    public async Task Evaluate_Log_AppendsTheCaseAndTheDecisionPrinted()
    {
        var log = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");

        var (first, printed, _) = await Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules, "--compact", "--log", log);
        var (second, _, _) = await Run(File.ReadAllText(UseExpired), "evaluate", "-", "--rules", TestPaths.Rules, "--log", log);

        Assert.Equal((0, 0), (first, second));
        using var reader = File.OpenText(log);
        var entries = NdjsonDecisionLog.Read(reader).ToArray();
        Assert.Equal(2, entries.Length);
        Assert.Equal(printed.TrimEnd(), entries[0].Decision);
        Assert.Equal(entries[0].Decision, entries[1].Decision);
    }

    [Fact]
    public async Task Evaluate_LogInMissingDirectory_ExitsTwoNamingTheLog()
    {
        var log = Path.Combine(TestCases.TempDirectory(), "missing", "decisions.ndjson");

        var (exit, output, error) = await Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules, "--log", log);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"error: cannot open the decision log {log} for appending: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BundledRules_ValidatesSchemasThenRunsScenarios()
    {
        var (exit, output, error) = await Run("", "check", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal($"Schemas: {RuleSchemas.Files(TestPaths.Rules).Count} files follow rules/schema/.", lines[0]);
        Assert.StartsWith("Loaded ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MisspelledRuleField_ExitsTwoNamingFileLineAndPathWithoutLoading()
    {
        var dir = TestPaths.CopyRules();
        var path = Path.Combine(dir, "restore.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"SuccessEvent\"", "\"SucessEvent\"", StringComparison.Ordinal));
        var line = Array.FindIndex(File.ReadAllLines(path), l => l.Contains("SucessEvent", StringComparison.Ordinal)) + 1;

        var (exit, output, error) = await Run("", "check", dir);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"error: 1 file in {dir} does not follow its schema (", error, StringComparison.Ordinal);
        Assert.Contains($"\n  restore.json:{line}: Rules[0].SucessEvent: unknown field 'SucessEvent'; did you mean 'SuccessEvent'? (RulesEngine would silently ignore it)", error.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
