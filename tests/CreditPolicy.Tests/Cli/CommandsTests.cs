using CreditPolicy.Cli;
using CreditPolicy.Json;
using Newtonsoft.Json.Linq;
using CreditPolicy.Records;
using CreditPolicy.Schemas;

namespace CreditPolicy.Tests.Cli;

public sealed class CommandsTests : IDisposable
{
    private const string PermitCase = """
        {
          "asOf": "2026-11-25T10:00:00Z",
          "account": { "id": "acct_1", "status": "open", "timeZone": "America/New_York" },
          "grants": [
            { "id": "g1", "kind": "usage", "holderAccountId": "acct_1", "amount": 100.00, "remaining": 40.00,
              "issuedAt": "2026-02-01T09:00:00Z", "confirmedAt": "2026-02-01T10:00:00Z" },
            { "id": "g2", "kind": "promotional", "holderAccountId": "acct_1", "amount": 20, "remaining": 20,
              "issuedAt": "2026-01-05T00:00:00Z", "expiresAt": "2026-12-01T00:00:00Z" }
          ],
          "request": { "type": "use", "amount": 32.50, "requestedBy": "acct_1" }
        }
        """;

    private const string DenyCase = """
        {
          "asOf": "2026-11-25T10:00:00Z",
          "account": { "id": "acct_1", "status": "open" },
          "grants": [
            { "id": "g1", "kind": "usage", "holderAccountId": "acct_1", "amount": 100.00, "remaining": 100.00,
              "issuedAt": "2026-11-20T09:00:00Z", "confirmedAt": "2026-11-20T09:05:00Z" }
          ],
          "request": { "type": "refund", "grantId": "g1" }
        }
        """;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", "cli-" + Guid.NewGuid().ToString("N"));

    public CommandsTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    [Fact]
    public async Task RunAsync_EvaluatePermittedCase_PrintsTheDecisionAndExitsZero()
    {
        var run = await Run(["evaluate", CaseFile(PermitCase), "--rules", TestPaths.Rules]);

        Assert.Equal((0, ""), (run.Exit, run.Err));
        var expected = DecisionJson.Serialize(BundledRules.Engine.Decide(CaseJson.Read(PermitCase).Case!));
        Assert.Equal(expected + Environment.NewLine, run.Out);
        // Read as the contract reads JSON (decimals as decimal), so 12.50 stays 12.50.
        var json = (JObject)JToken.ReadFrom(CaseJson.CreateReader(new StringReader(run.Out)));
        Assert.Equal("permit", (string?)json["outcome"]);
        Assert.Equal(
            """[{"grantId":"g2","kind":"promotional","amount":20},{"grantId":"g1","kind":"usage","amount":12.50}]""",
            json["allocations"]!.ToString(Newtonsoft.Json.Formatting.None));
    }

    [Fact]
    public async Task RunAsync_EvaluateDeniedCase_PrintsTheDenialAndExitsZero()
    {
        var run = await Run(["evaluate", CaseFile(DenyCase), "-r", TestPaths.Rules, "--compact"]);

        Assert.Equal((0, ""), (run.Exit, run.Err));
        Assert.Single(run.Out.TrimEnd().Split('\n'));
        var json = JObject.Parse(run.Out);
        Assert.Equal("deny", (string?)json["outcome"]);
        Assert.Equal("refund-denied", (string?)json["reasons"]![0]!["rule"]);
        Assert.Equal("B.1", (string?)json["reasons"]![0]!["clause"]);
        Assert.Equal("2026-11-24", (string?)json["rules"]!["termsVersion"]);
    }

    [Fact]
    public async Task RunAsync_EvaluateDash_ReadsTheCaseFromStandardInput()
    {
        var run = await Run(["evaluate", "-", "--rules", TestPaths.Rules], stdin: DenyCase);

        Assert.Equal((0, ""), (run.Exit, run.Err));
        Assert.Equal("deny", (string?)JObject.Parse(run.Out)["outcome"]);
    }

    [Fact]
    public async Task RunAsync_EvaluateInvalidCase_ExitsTwoWithPathAndLineOnStandardError()
    {
        var file = CaseFile(DenyCase.Replace("\"remaining\": 100.00", "\"remaining\": 100.01", StringComparison.Ordinal));

        var run = await Run(["evaluate", file, "--rules", TestPaths.Rules]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.StartsWith($"error: The case in {file} is not valid (1 problem):", run.Err, StringComparison.Ordinal);
        Assert.Contains("grants[0].remaining (line 5, column ", run.Err, StringComparison.Ordinal);
        Assert.Contains("): must not exceed amount (100.01 > 100.00)", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EvaluateInvalidCaseOnStandardInput_NamesStandardInput()
    {
        var run = await Run(["evaluate", "-", "--rules", TestPaths.Rules], stdin: "{ \"asOf\": ");

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.StartsWith("error: The case in standard input is not valid (1 problem):", run.Err, StringComparison.Ordinal);
        Assert.Contains("(line 1, column ", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EvaluateMissingCaseFile_ExitsTwo()
    {
        var missing = Path.Combine(_folder, "missing.json");

        var run = await Run(["evaluate", missing, "--rules", TestPaths.Rules]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.StartsWith($"error: cannot read the case file {missing}: ", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EvaluateWithMissingRulesDirectory_ExitsTwoNamingIt()
    {
        var missing = Path.Combine(_folder, "no-rules");

        var run = await Run(["evaluate", CaseFile(DenyCase), "--rules", missing]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.Equal($"error: rules: the rule directory {missing} does not exist (named on the command line); pass --rules DIR with a rule directory, or set CREDITPOLICY_RULES\n", run.Err);
    }

    // Which rules a command uses when the command line names none (RulesLocation).

    /// <summary>Run from this test's empty folder, as the installed tool would be: the bundled terms are the repository's rules/.</summary>
    private RulesSearch Outside(string? environment = null) => new(environment, _folder, TestPaths.RepositoryRoot);

    [Fact]
    public async Task RunAsync_EvaluateWithoutRulesOutsideARuleDirectory_UsesTheBundledTermsAndSaysSoOnStderr()
    {
        var run = await CliRunner.RunWith(Outside(), "", "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--compact");
        var named = await CliRunner.Run("", "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--compact", "--rules", TestPaths.Rules);

        Assert.Equal(0, run.Exit);
        Assert.Equal(named.Out, run.Out);
        Assert.Equal($"rules: bundled terms 2026-11-24 ({Path.Combine(TestPaths.RepositoryRoot, "rules")})\n", run.Err);
        Assert.Equal("", named.Err);
    }

    [Fact]
    public async Task RunAsync_ExplainAndCheckWithoutRulesInAFolderHoldingRules_UseThemAndSaySo()
    {
        var search = new RulesSearch(null, TestPaths.RepositoryRoot, _folder);

        var explain = await CliRunner.RunWith(search, "", "explain", Path.Combine(TestPaths.Examples, "use-expired.json"));
        var check = await CliRunner.RunWith(search, "", "check");

        Assert.Equal((0, "rules: ./rules (current directory)\n"), (explain.Exit, explain.Err));
        Assert.Equal((0, "rules: ./rules (current directory)\n"), (check.Exit, check.Err));
        Assert.Contains($"Loaded 1 version of the terms from {TestPaths.Rules} (", check.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EvaluateWithTheEnvironmentVariable_UsesItsDirectoryAndSaysSo()
    {
        var run = await CliRunner.RunWith(Outside(TestPaths.VersionedRules), "", "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--compact");

        Assert.Equal(0, run.Exit);
        Assert.Equal($"rules: {TestPaths.VersionedRules} (CREDITPOLICY_RULES)\n", run.Err);
        Assert.Contains("\"rules\":{\"termsVersion\":\"2026-11-24\"", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CheckWithTheEnvironmentVariableNamingAMissingDirectory_ExitsTwoSayingSo()
    {
        var missing = Path.Combine(_folder, "gone");

        var run = await CliRunner.RunWith(Outside(missing), "", "check");

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.Equal($"error: rules: the rule directory {missing} does not exist (named by CREDITPOLICY_RULES); set CREDITPOLICY_RULES to a rule directory, unset it, or pass --rules DIR\n", run.Err);
    }

    [Fact]
    public async Task RunAsync_SweepAndDiffWithoutRules_UseTheBundledTermsAndSaySoOnStderr()
    {
        var cases = CaseFile(File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json")).ReplaceLineEndings(" ") + "\n");
        var said = $"rules: bundled terms 2026-11-24 ({Path.Combine(TestPaths.RepositoryRoot, "rules")})\n";

        var sweep = await CliRunner.RunWith(Outside(), "", "sweep", "--cases", cases, "--parallel", "1");
        var diff = await CliRunner.RunWith(Outside(), "", "diff", "--after", TestPaths.Rules, "--cases", cases);

        Assert.Equal(0, sweep.Exit);
        Assert.StartsWith("{\"line\":1,", sweep.Out, StringComparison.Ordinal);
        Assert.StartsWith(said, sweep.Err, StringComparison.Ordinal);
        Assert.Equal((0, said), (diff.Exit, diff.Err));
        Assert.StartsWith("before: 2026-11-24 (sha256:", diff.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EvaluateWithBrokenRule_ExitsTwoNamingFileWorkflowAndRule()
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("cash-value.json", "refund-denied", "c.Nope");

        var run = await Run(["evaluate", CaseFile(DenyCase), "--rules", rules.Path]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.Contains("cash-value.json:", run.Err, StringComparison.Ordinal);
        Assert.Contains("workflow 'cash-value', rule 'refund-denied': Expression: No property or field 'Nope' exists in type 'CaseFacts'", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CheckRuleSetWithBrokenExpression_ExitsTwoNamingTheRule()
    {
        using var rules = new TempRuleDirectory();
        rules.EditRule("expiry.json", "usage-credit-expiry", r => r["Properties"]!["expiresAt"] = "g.ExpiresAt");

        var run = await Run(["check", rules.Path]);

        Assert.Equal(2, run.Exit);
        Assert.Matches(@"^Schemas: \d+ files follow rules/schema/\.\r?\n$", run.Out);
        Assert.Contains("workflow 'expiry', rule 'usage-credit-expiry': Properties.expiresAt: \"g.ExpiresAt\" gives Instant?", run.Err, StringComparison.Ordinal);
    }

    public static TheoryData<string> Subcommands() => new(ExitCodes.Meanings.Select(m => m.Command));

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task RunAsync_Help_ExplainsTheExitCodesOfEveryCommandOnce(string flag)
    {
        var run = await Run([flag]);

        Assert.Equal(0, run.Exit);
        Assert.Single(Occurrences(run.Out, "Exit codes:"));
        Assert.Contains(ExitCodes.RootHelp(), run.Out, StringComparison.Ordinal);
        Assert.Contains("  0  evaluate: a decision was printed", run.Out, StringComparison.Ordinal);
        Assert.Contains("  1  check: a scenario failed or a rule lacks scenarios\n     diff: a decision changed\n", run.Out, StringComparison.Ordinal);
        Assert.Contains("     sweep: the rules or the cases file could not be read", run.Out, StringComparison.Ordinal);
        Assert.All(ExitCodes.Meanings, m => Assert.Contains($"  {m.Command} ", run.Out, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_Help_UsageLineNamesTheCommandUsersType()
    {
        var run = await Run(["--help"]);

        // Regression (issue 9): the usage line said CreditPolicy.Cli, the assembly's name.
        Assert.Contains("Usage:\n  creditpolicy [command] [options]\n", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("CreditPolicy.Cli", run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Subcommands))]
    public async Task RunAsync_SubcommandHelp_ShowsItsUsageAndOnlyItsOwnExitCodes(string command)
    {
        var run = await Run([command, "--help"]);

        Assert.Equal(0, run.Exit);
        Assert.Contains($"Usage:\n  creditpolicy {command}", run.Out, StringComparison.Ordinal);
        Assert.Single(Occurrences(run.Out, "Exit codes:"));
        Assert.EndsWith(ExitCodes.HelpFor(command) + "\n", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("any command:", run.Out, StringComparison.Ordinal);
        Assert.All(ExitCodes.Meanings.Where(m => m.Command != command), m => Assert.DoesNotContain($"{m.Command}: ", run.Out, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Subcommands))]
    public async Task RunAsync_SubcommandHelp_HasNoLiteralBackslashN(string command)
    {
        // Regression (issue 9): explain's description escaped its newlines ("\\n"), so help printed a literal \n\n.
        var run = await Run([command, "--help"]);
        var root = await Run(["--help"]);

        Assert.DoesNotContain("\\n", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\\n", root.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EvaluateHelp_ExplainsTheRulesOptionAndItsExitCodes()
    {
        var run = await Run(["evaluate", "--help"]);

        Assert.Equal(0, run.Exit);
        Assert.Contains("--rules", run.Out, StringComparison.Ordinal);
        Assert.Contains("Default: $CREDITPOLICY_RULES, else ./rules when it exists, else the terms bundled with the tool.", run.Out, StringComparison.Ordinal);
        Assert.Contains("  2  the case or the rules could not be read, the decision log could not be opened, or an option is wrong", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void ExitCodes_Meanings_CoverEverySubcommandAndReadmeTableSaysTheSame()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        var subcommands = new Commands(TextReader.Null, TextWriter.Null, TextWriter.Null).Root().Subcommands.Select(c => c.Name);

        Assert.Equal(subcommands, ExitCodes.Meanings.Select(m => m.Command));
        Assert.All(ExitCodes.Meanings, m => Assert.Contains($"\n| `{m.Command}` | {m.Ok} | {m.Failure ?? "—"} | {m.BadInput} |\n", readme, StringComparison.Ordinal));
    }

    [Fact]
    public void ToolCommandName_IsThePackagesCommandName()
    {
        var project = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "CreditPolicy.Cli", "CreditPolicy.Cli.csproj"));

        Assert.Contains($"<ToolCommandName>{Commands.ToolCommandName}</ToolCommandName>", project, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SweepToAnUnwritableFile_ExitsTwoNamingIt()
    {
        var cases = CaseFile(DenyCase.ReplaceLineEndings(" ") + "\n");
        var output = Path.Combine(_folder, "no-such-folder", "out.ndjson");

        var run = await Run(["sweep", "--cases", cases, "--out", output, "--rules", TestPaths.Rules]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.StartsWith($"error: cannot write the decisions to {output}: ", run.Err, StringComparison.Ordinal);
    }

    private static IEnumerable<int> Occurrences(string text, string value)
    {
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal)) yield return i;
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("evaluate x.json --no-such-option")]
    [InlineData("frobnicate")]
    public async Task RunAsync_BadCommandLine_ExitsTwoWithUsageHint(string args)
    {
        var run = await Run(args.Split(' '));

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.StartsWith("error: ", run.Err, StringComparison.Ordinal);
        Assert.EndsWith("Run 'creditpolicy --help' for usage." + Environment.NewLine, run.Err, StringComparison.Ordinal);
    }

    private string CaseFile(string json)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private static Task<(int Exit, string Out, string Err)> Run(string[] args, string stdin = "") => CliRunner.Run(stdin, args);

    // Effective-dated terms (account.termsVersion, versions/ as in examples/versioned-rules).

    [Fact]
    public async Task Check_BundledRules_OneVersionInForceAtEveryInstantPasses()
    {
        var (exit, output, error) = await CliRunner.Run("", "check", TestPaths.Rules);

        Assert.True(exit == 0, output + error);
        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Schemas: \d+ files follow rules/schema/\.$", lines[0]);
        Assert.StartsWith("Loaded 1 version of the terms from ", lines[1]);
        Assert.Matches(@"^  2026-11-24  in force at every instant  \d+ rules from \d+ files  sha256:[0-9a-f]{64}$", lines[2]);
        Assert.Contains("PASS  2026-11-24  tests/deny/refund-denied.json  deny by refund-denied", lines);
        var results = lines.Where(l => l.StartsWith("PASS", StringComparison.Ordinal) || l.StartsWith("FAIL", StringComparison.Ordinal)).ToArray();
        Assert.All(results, l => Assert.StartsWith("PASS", l));
        Assert.Equal($"{results.Length} passed, 0 failed", lines[^1]);
    }

    [Fact]
    public async Task Check_VersioningExample_NamesTheVersionOfEveryLineAndPasses()
    {
        var (exit, output, error) = await CliRunner.Run("", "check", TestPaths.VersionedRules);

        Assert.True(exit == 0, output + error);
        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Schemas: \d+ files follow rules/schema/\.$", lines[0]);
        Assert.StartsWith("Loaded 2 versions of the terms from ", lines[1]);
        Assert.Matches(@"^  2026-11-24  in force from 2026-11-24T00:00:00Z  \d+ rules from \d+ files  sha256:[0-9a-f]{64}$", lines[2]);
        Assert.Matches(@"^  2027-07-01  in force from 2027-07-01T00:00:00Z  \d+ rules from \d+ files  sha256:[0-9a-f]{64}$", lines[3]);
        Assert.Contains("PASS  2027-07-01  versions/2027-07-01/tests/permit/expirations-month-end-and-dst-gap.json  permit by expirations-listed", lines);
        Assert.Contains("PASS  2026-11-24  versions/2026-11-24/tests/deny/refund-denied.json  deny by refund-denied", lines);
        Assert.Contains("PASS  2026-11-24  tests/permit/use-pinned-account-keeps-earlier-terms.json  permit by use-draws-credits", lines);
        Assert.Contains("PASS  2027-07-01  tests/deny/use-promotional-expired-under-later-terms.json  deny by use-insufficient-credits, grant-expired", lines);
        Assert.Contains("PASS  -           tests/indeterminate/no-terms-before-the-earliest-version.json  indeterminate by evaluator:no-terms-in-force", lines);
        var results = lines.Where(l => l.StartsWith("PASS", StringComparison.Ordinal) || l.StartsWith("FAIL", StringComparison.Ordinal)).ToArray();
        Assert.All(results, l => Assert.StartsWith("PASS", l));
        Assert.Equal($"{results.Length} passed, 0 failed", lines[^1]);
    }

    [Fact]
    public async Task Check_FailingScenarioInOneVersion_FailsNamingTheVersion()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        var scenario = Path.Combine(TestPaths.Version(dir, TestPaths.LaterVersion), "tests", "permit", "expirations-month-end-and-dst-gap.json");
        File.WriteAllText(scenario, File.ReadAllText(scenario).Replace("2025-02-28T18:00:00Z", "2025-03-01T18:00:00Z", StringComparison.Ordinal));

        var (exit, output, _) = await CliRunner.Run("", "check", dir);

        Assert.Equal(1, exit);
        Assert.Contains("FAIL  2027-07-01  versions/2027-07-01/tests/permit/expirations-month-end-and-dst-gap.json  permit by expirations-listed", output);
        Assert.Contains("expirations[0].expiresAt: expected \"2025-03-01T18:00:00Z\", got \"2025-02-28T18:00:00Z\"", output);
        Assert.EndsWith(", 1 failed" + Environment.NewLine, output);
    }

    [Fact]
    public async Task Check_BadRuleInOneVersion_Exits2NamingVersionFileAndRule()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        var use = Path.Combine(TestPaths.Version(dir, TestPaths.CurrentVersion), "use.json");
        File.WriteAllText(use, File.ReadAllText(use).Replace("\"Expression\"", "\"Expresion\"", StringComparison.Ordinal));

        var (exit, output, error) = await CliRunner.Run("", "check", dir);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains("versions/2026-11-24/use.json:", error);
        Assert.Contains("unknown field 'Expresion'; did you mean 'Expression'? (RulesEngine would silently ignore it)", error);
    }

    [Fact]
    public async Task Evaluate_ReadmeExample_IsDecidedByTheTermsInForce()
    {
        var (exit, output, _) = await CliRunner.Run("", "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", TestPaths.Rules, "--compact");

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

        var (exit, output, _) = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules, "--compact");

        Assert.Equal(0, exit);
        Assert.StartsWith("{\"outcome\":\"indeterminate\",\"reasons\":[{\"rule\":\"evaluator:unknown-terms-version\",\"clause\":null,\"message\":\"The account is pinned to terms version '1999-01-01', which these rules do not hold (they hold 2026-11-24).\"}]", output);
    }

    // Explain, trace, decision records and the decision log.

    private static readonly string UseExpired = Path.Combine(TestPaths.Examples, "use-expired.json");

    [Fact]
    public async Task Explain_DeniedUse_PrintsTheExpiredGrantsExpiryAndAsOfThenTheDecision()
    {
        var (exit, output, error) = await CliRunner.Run("", "explain", UseExpired, "--rules", TestPaths.Rules);

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
        var (exit, output, _) = await CliRunner.Run(File.ReadAllText(UseExpired), "explain", "-", "--rules", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Contains("grant-expired (B.1) for grant g2: fired", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_ScenarioFile_ExplainsItsCase()
    {
        var scenario = Path.Combine(TestPaths.CurrentTerms, "tests", "deny", "use-expired-exactly-at-expiry.json");

        var (exit, output, _) = await CliRunner.Run("", "explain", scenario, "--rules", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Contains("Decision: deny", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_InvalidCase_ExitsTwoNamingTheField()
    {
        var (exit, output, error) = await CliRunner.Run("""{"asOf": 5}""", "explain", "-", "--rules", TestPaths.Rules);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("asOf (line 1, column 10): expected an ISO-8601 instant", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_WithoutTrace_HasNoTrace()
    {
        var (exit, output, _) = await CliRunner.Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Null(JObject.Parse(output)["trace"]);
        Assert.NotNull(JObject.Parse(output)["record"]);
    }

    [Fact]
    public async Task Evaluate_Trace_AddsTheTraceAndLeavesTheDecisionBytesAlone()
    {
        var (_, plain, _) = await CliRunner.Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules, "--compact");
        var (exit, traced, _) = await CliRunner.Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules, "--compact", "--trace");

        Assert.Equal(0, exit);
        Assert.StartsWith(plain.TrimEnd()[..^1] + ",\"trace\":[{\"rule\":\"use-on-closed-account\"", traced, StringComparison.Ordinal);
        var trace = (JArray)JObject.Parse(traced)["trace"]!;
        Assert.Contains(trace, t => (string?)t["rule"] == "grant-expired" && (string?)t["grantId"] == "g1" && t["values"]!.Any(v => (string?)v["expression"] == "c.AsOf"));
    }

    [Fact]
    public async Task Evaluate_Log_AppendsTheCaseAndTheDecisionPrinted()
    {
        var log = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");

        var (first, printed, _) = await CliRunner.Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules, "--compact", "--log", log);
        var (second, _, _) = await CliRunner.Run(File.ReadAllText(UseExpired), "evaluate", "-", "--rules", TestPaths.Rules, "--log", log);

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

        var (exit, output, error) = await CliRunner.Run("", "evaluate", UseExpired, "--rules", TestPaths.Rules, "--log", log);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"error: cannot open the decision log {log} for appending: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BundledRules_ValidatesSchemasThenRunsScenarios()
    {
        var (exit, output, error) = await CliRunner.Run("", "check", TestPaths.Rules);

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal($"Schemas: {RuleSchemas.Files(TestPaths.Rules).Count} files follow rules/schema/.", lines[0]);
        Assert.StartsWith("Loaded ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MisspelledRuleField_ExitsTwoNamingFileLineAndPathWithoutLoading()
    {
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        var path = Path.Combine(dir, "restore.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"SuccessEvent\"", "\"SucessEvent\"", StringComparison.Ordinal));
        var line = Array.FindIndex(File.ReadAllLines(path), l => l.Contains("SucessEvent", StringComparison.Ordinal)) + 1;

        var (exit, output, error) = await CliRunner.Run("", "check", dir);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"error: 1 file in {dir} does not follow its schema (", error, StringComparison.Ordinal);
        Assert.Contains($"\n  restore.json:{line}: Rules[0].SucessEvent: unknown field 'SucessEvent'; did you mean 'SuccessEvent'? (RulesEngine would silently ignore it)", error.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    // Hostile input, generated cases and the sandbox (the trust suite).

    [Fact]
    public async Task Generate_SameSeed_WritesTheSameBytes()
    {
        var first = await CliRunner.Run("", "generate", "--count", "200", "--seed", "11");
        var second = await CliRunner.Run("", "generate", "--count", "200", "--seed", "11");
        var other = await CliRunner.Run("", "generate", "--count", "200", "--seed", "12");

        Assert.Equal(0, first.Exit);
        Assert.Equal("", first.Err);
        Assert.Equal(first.Out, second.Out);
        Assert.NotEqual(first.Out, other.Out);
    }

    [Fact]
    public async Task Generate_Count_WritesThatManyValidCasesOnePerLine()
    {
        var (exit, stdout, _) = await CliRunner.Run("", "generate", "-n", "250", "-s", "3");

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
            var toFile = await CliRunner.Run("", "generate", "--count", "40", "--seed", "5", "--out", path);
            var toStdout = await CliRunner.Run("", "generate", "--count", "40", "--seed", "5");

            Assert.Equal(0, toFile.Exit);
            Assert.Equal("", toFile.Out);
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(toStdout.Out), await File.ReadAllBytesAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Generate_ZeroCount_WritesNothing()
    {
        var (exit, stdout, stderr) = await CliRunner.Run("", "generate", "--count", "0");

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
        var (exit, stdout, stderr) = await CliRunner.Run("", "generate", option, value);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_UnwritableOut_ExitsWithBadInputNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"creditpolicy-missing-{Guid.NewGuid():N}", "cases.ndjson");

        var (exit, _, stderr) = await CliRunner.Run("", "generate", "--count", "1", "--out", path);

        Assert.Equal(2, exit);
        Assert.Contains("cannot write " + path, stderr, StringComparison.Ordinal);
    }
}
