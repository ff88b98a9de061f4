using CreditPolicy.Cli;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Records;
using CreditPolicy.Rules;
using CreditPolicy.Schemas;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

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
        var expected = DecisionJson.Serialize(BundledRules.Engine.Decide(TestCases.Read(PermitCase)));
        Assert.Equal(expected + "\n", run.Out);
        var json = Exact(run.Out);
        Assert.Equal("permit", (string?)json["outcome"]);
        Assert.Equal(
            """[{"grantId":"g2","kind":"promotional","amount":20},{"grantId":"g1","kind":"usage","amount":12.50}]""",
            json["allocations"]!.ToString(Formatting.None));
        Assert.Equal(
            ["outcome", "reasons", "allocations", "forfeitures", "expirations", "reload", "balance", "movement", "rules", "asOf", "record"],
            json.Properties().Select(p => p.Name));
        Assert.Equal(JTokenType.Null, json["movement"]!.Type);
        Assert.Equal(["termsVersion", "digest", "tzdb"], ((JObject)json["rules"]!).Properties().Select(p => p.Name));
        Assert.Equal(TimeZoneDatabase.Bundled.Version, (string?)json["rules"]!["tzdb"]);
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
    public async Task RunAsync_EvaluateDashWithAByteOrderMark_ReadsTheCaseAsFromAFile()
    {
        var bytes = System.Text.Encoding.UTF8.GetPreamble().Concat(System.Text.Encoding.UTF8.GetBytes(DenyCase)).ToArray();
        var file = CaseFile("");
        File.WriteAllBytes(file, bytes);

        var fromStdin = await CliRunner.Run(bytes, "evaluate", "-", "--rules", TestPaths.Rules);
        var fromFile = await CliRunner.Run("", "evaluate", file, "--rules", TestPaths.Rules);

        Assert.Equal((0, ""), (fromStdin.Exit, fromStdin.Err));
        Assert.Equal(fromFile.Out, fromStdin.Out);
        Assert.Equal("deny", (string?)JObject.Parse(fromStdin.Out)["outcome"]);
    }

    [Fact]
    public async Task RunAsync_EvaluateDashWithInvalidUtf8_ExitsTwoNamingTheByteOffset()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(DenyCase);
        var at = Array.IndexOf(bytes, (byte)'1', DenyCase.IndexOf("acct_1", StringComparison.Ordinal));
        bytes[at] = 0xFF;

        var run = await CliRunner.Run(bytes, "evaluate", "-", "--rules", TestPaths.Rules);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.StartsWith("error: The case in standard input is not valid (1 problem):", run.Err, StringComparison.Ordinal);
        Assert.Contains($"not valid UTF-8: byte 0xFF at offset {at} does not begin a valid sequence", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EvaluateInvalidCase_ExitsTwoWithPathAndLineOnStandardError()
    {
        var file = CaseFile(DenyCase.Replace("\"remaining\": 100.00", "\"remaining\": 100.01", StringComparison.Ordinal));

        var run = await Run(["evaluate", file, "--rules", TestPaths.Rules]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.StartsWith($"error: The case in {file} is not valid (1 problem):", run.Err, StringComparison.Ordinal);
        // The vocabulary's declared check (remaining-within-amount) names the field and what it must be.
        Assert.EndsWith("\n  grants[0].remaining (line 5, column 96): must not exceed amount\n", run.Err, StringComparison.Ordinal);
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
        Assert.Equal($"error: the case file {missing} cannot be read: No such file or directory\n", run.Err);
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
        Assert.Contains("workflow 'cash-value', rule 'refund-denied': Expression: the case (c) has no member 'Nope'", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CheckRuleSetWithBrokenExpression_ExitsTwoNamingTheRule()
    {
        using var rules = new TempRuleDirectory();
        rules.EditRule("expiry.json", "usage-credit-expiry", r => r["Properties"]!["expiresAt"] = "g.ExpiresAt");

        var run = await Run(["check", rules.Path]);

        Assert.Equal(2, run.Exit);
        Assert.Matches(@"^Schemas: \d+ files follow their JSON Schemas\.\r?\n$", run.Out);
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
        Assert.Contains("  1  check: a scenario failed, a rule lacks scenarios, or a schema in the directory's schema/ folder is out of date\n     diff: a decision changed\n", run.Out, StringComparison.Ordinal);
        Assert.Contains("     schema: the schema was printed, or the schemas were written\n", run.Out, StringComparison.Ordinal);
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
    public void ExitCodes_Meanings_CoverEverySubcommandAndTheReferenceTableSaysTheSame()
    {
        var reference = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "reference.md")).ReplaceLineEndings("\n");
        var subcommands = new Commands(Stream.Null, TextWriter.Null, TextWriter.Null).Root().Subcommands.Select(c => c.Name);

        Assert.Equal(subcommands, ExitCodes.Meanings.Select(m => m.Command));
        Assert.All(ExitCodes.Meanings, m => Assert.Contains($"\n| `{m.Command}` | {m.Ok} | {m.Failure ?? "—"} | {m.BadInput} |\n", reference, StringComparison.Ordinal));
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

    /// <summary>Parses JSON as the decision was written: decimals as decimal, so 12.50 stays 12.50, and strings never read as dates.</summary>
    private static JObject Exact(string json)
    {
        using var reader = new JsonTextReader(new StringReader(json)) { FloatParseHandling = FloatParseHandling.Decimal, DateParseHandling = DateParseHandling.None };
        return JObject.Load(reader);
    }

    // Effective-dated terms (account.termsVersion, versions/ as in examples/versioned-rules).

    [Fact]
    public async Task Check_BundledRules_OneVersionInForceAtEveryInstantPasses()
    {
        var (exit, output, error) = await CliRunner.Run("", "check", TestPaths.Rules);

        Assert.True(exit == 0, output + error);
        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Schemas: \d+ files follow their JSON Schemas\.$", lines[0]);
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
        Assert.Matches(@"^Schemas: \d+ files follow their JSON Schemas\.$", lines[0]);
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
        var entries = NdjsonDecisionLog.Read(reader, BundledRules.Catalogue).ToArray();
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
        Assert.Equal($"Schemas: {RuleSchemas.Files(TestPaths.Rules).Count} files follow their JSON Schemas.", lines[0]);
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
        Assert.Contains($"\n  restore.json:{line}: workflow 'restore', rule 'restore-forfeited-credit': Rules[0].SucessEvent: unknown field 'SucessEvent'; did you mean 'SuccessEvent'? (RulesEngine would silently ignore it)", error.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    // Hostile input, generated cases and the sandbox (the trust suite).

    [Fact]
    public async Task Generate_SameSeed_WritesTheSameBytes()
    {
        var first = await CliRunner.Run("", "generate", "--count", "200", "--seed", "11");
        var second = await CliRunner.Run("", "generate", "--count", "200", "--seed", "11");
        var other = await CliRunner.Run("", "generate", "--count", "200", "--seed", "12");

        Assert.Equal(0, first.Exit);
        Assert.Equal("rules: ./rules (current directory)\n", first.Err);
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
            var read = BundledRules.Catalogue.ReadCase(line);
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
        Assert.Equal("rules: ./rules (current directory)\n", stderr);
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

    // The schema command: the case schema of a version, generated from its vocabulary, and every schema with --out.

    [Fact]
    public async Task Schema_BundledRules_PrintsTheCaseSchemaOfTheVersionAsRulesSchemaHoldsIt()
    {
        var run = await Run(["schema", "--rules", TestPaths.Rules]);

        Assert.Equal((0, ""), (run.Exit, run.Err));
        Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.Rules, "schema", "case.schema.json")), run.Out);
        Assert.Equal("CreditPolicy case (terms 2026-11-24)", (string?)JObject.Parse(run.Out)["title"]);
    }

    [Theory]
    [InlineData("2026-11-24")]
    [InlineData("2027-07-01")]
    public async Task Schema_TermsVersion_PrintsThatVersionsCaseSchema(string version)
    {
        var run = await Run(["schema", "--rules", TestPaths.VersionedRules, "--terms-version", version]);

        Assert.Equal((0, ""), (run.Exit, run.Err));
        var schema = JObject.Parse(run.Out);
        Assert.Equal($"CreditPolicy case (terms {version})", (string?)schema["title"]);
        var set = RuleCatalogue.Load(TestPaths.VersionedRules).Find(version)!;
        Assert.Equal(SchemaCatalog.Text(SchemaCatalog.Case(set.Contract, version)), run.Out);
    }

    [Fact]
    public async Task Schema_WithoutTermsVersion_PrintsTheLatestVersionsCaseSchema()
    {
        var run = await Run(["schema", "--rules", TestPaths.VersionedRules]);

        Assert.Equal(0, run.Exit);
        Assert.Equal("CreditPolicy case (terms 2027-07-01)", (string?)JObject.Parse(run.Out)["title"]);
    }

    [Fact]
    public async Task Schema_UnknownTermsVersion_ExitsTwoListingTheVersions()
    {
        var run = await Run(["schema", "--rules", TestPaths.VersionedRules, "--terms-version", "2030-01-01"]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.Equal("error: --terms-version '2030-01-01': the rules hold 2026-11-24, 2027-07-01\n", run.Err);
    }

    [Fact]
    public async Task Schema_Out_WritesEverySchemaOfTheRuleDirectory()
    {
        var folder = Path.Combine(_folder, "schema");

        var run = await Run(["schema", "--rules", TestPaths.Rules, "--out", folder]);

        Assert.Equal((0, ""), (run.Exit, run.Err));
        var expected = SchemaCatalog.Files(BundledRules.Catalogue);
        Assert.Equal(expected.Select(f => $"wrote {Path.Combine(folder, f.File)}\n"), run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l + "\n"));
        Assert.Equal(expected.Select(f => f.File).Order(StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(expected, f => Assert.Equal(File.ReadAllBytes(Path.Combine(TestPaths.Rules, "schema", f.File)), File.ReadAllBytes(Path.Combine(folder, f.File))));
    }

    [Fact]
    public async Task Schema_OutForSeveralVersions_WritesACaseSchemaPerVersion()
    {
        var folder = Path.Combine(_folder, "schema");

        var run = await Run(["schema", "--rules", TestPaths.VersionedRules, "--out", folder]);

        Assert.Equal(0, run.Exit);
        Assert.Equal(
            ["case.2026-11-24.schema.json", "case.2027-07-01.schema.json", "rule-file.schema.json", "scenario.schema.json", "terms.schema.json", "vocabulary.schema.json"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Schema_OutToAFile_ExitsTwoNamingTheFolder()
    {
        var file = CaseFile("{}");

        var run = await Run(["schema", "--rules", TestPaths.Rules, "--out", file]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.StartsWith($"error: cannot write the schemas to {file}: ", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_StaleSchemaFile_FailsNamingItAndHowToRegenerate()
    {
        var dir = TestPaths.CopyRules();
        File.AppendAllText(Path.Combine(dir, "schema", "scenario.schema.json"), "\n");

        var run = await Run(["check", dir]);

        Assert.Equal(1, run.Exit);
        Assert.Contains("\nFAIL  schema/scenario.schema.json: differs from the schema this version of CreditPolicy generates (from vocabulary.json and its own rule conventions); regenerate it: creditpolicy schema --rules <dir> --out <dir>/schema\n", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"\n\d+ passed, 1 failed\n$", run.Out);
        Assert.DoesNotContain("\nFAIL  2026-11-24", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingCaseSchemaAfterAVocabularyEdit_FailsThenPassesOnceRegenerated()
    {
        var dir = TestPaths.CopyRules();
        File.Delete(Path.Combine(dir, "schema", "case.schema.json"));
        var vocabulary = Path.Combine(dir, "vocabulary.json");
        File.WriteAllText(vocabulary, File.ReadAllText(vocabulary).Replace(
            "\"closedAt\": { \"type\": \"instant\",", "\"customerType\": { \"type\": \"enum\", \"values\": [\"consumer\", \"business\"] },\n    \"closedAt\": { \"type\": \"instant\",", StringComparison.Ordinal));

        var failing = await Run(["check", dir]);
        var regenerate = await Run(["schema", "--rules", dir, "--out", Path.Combine(dir, "schema")]);
        var passing = await Run(["check", dir]);

        Assert.Equal(1, failing.Exit);
        Assert.Contains("\nFAIL  schema/case.schema.json: missing: editors check files against it; write it with: creditpolicy schema --rules <dir> --out <dir>/schema\n", failing.Out, StringComparison.Ordinal);
        Assert.Equal(0, regenerate.Exit);
        Assert.True(passing.Exit == 0, passing.Out + passing.Err);
        Assert.Contains("\"customerType\"", File.ReadAllText(Path.Combine(dir, "schema", "case.schema.json")), StringComparison.Ordinal);
    }

    /// <summary>Every scenario's case under a rule directory's tests/ folders, with the file it came from.</summary>
    private static IEnumerable<(string File, JObject Case)> ScenarioCases(string rules) =>
        Directory.GetFiles(rules, "*.json", SearchOption.AllDirectories)
            .Where(f => f.Split(Path.DirectorySeparatorChar).Contains("tests"))
            .Select(f => (Path.GetRelativePath(rules, f), (JObject)Exact(File.ReadAllText(f))["case"]!));

    [Fact]
    public async Task Schema_CaseSchemaOfTheBundledRules_AcceptsEveryScenarioCaseAndExample()
    {
        var schema = await NJsonSchema.JsonSchema.FromJsonAsync((await Run(["schema", "--rules", TestPaths.Rules])).Out);
        var cases = ScenarioCases(TestPaths.Rules)
            .Concat(Directory.GetFiles(TestPaths.Examples, "*.json").Select(f => (f, Exact(File.ReadAllText(f)))))
            .ToArray();

        Assert.True(cases.Length > 35, $"only {cases.Length} cases");
        Assert.All(cases, c => Assert.True(schema.Validate(c.Item2).Count == 0, $"{c.Item1}: {string.Join("; ", schema.Validate(c.Item2))}"));
    }

    [Fact]
    public async Task Schema_CaseSchemaOfEachVersionOfTheVersioningExample_AcceptsEveryScenarioCase()
    {
        foreach (var version in new[] { TestPaths.CurrentVersion, TestPaths.LaterVersion })
        {
            var schema = await NJsonSchema.JsonSchema.FromJsonAsync((await Run(["schema", "--rules", TestPaths.VersionedRules, "--terms-version", version])).Out);

            // A version's own scenarios, and those across versions (both versions declare the same vocabulary).
            var cases = ScenarioCases(TestPaths.Version(TestPaths.VersionedRules, version))
                .Concat(ScenarioCases(Path.Combine(TestPaths.VersionedRules, "tests")))
                .ToArray();

            Assert.True(cases.Length > 35, $"only {cases.Length} cases for {version}");
            Assert.All(cases, c => Assert.True(schema.Validate(c.Case).Count == 0, $"{version} {c.File}: {string.Join("; ", schema.Validate(c.Case))}"));
        }
    }

    public static TheoryData<string, string, string> HostileCases => new()
    {
        { "unknown field", "\"timeZone\": \"America/New_York\",", "\"timeZone\": \"America/New_York\", \"nickname\": \"x\"," },
        { "wrong type", "\"amount\": 32.50", "\"amount\": \"32.50\"" },
        { "bad enum", "\"kind\": \"promotional\"", "\"kind\": \"bonus\"" },
        { "instant without offset", "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": \"2026-11-25T10:00:00\"" },
        { "missing required field", ", \"requestedBy\": \"acct_1\"", "" },
        { "field of another request type", "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\", \"grantId\": \"g1\"" },
        { "negative amount", "\"remaining\": 40.00", "\"remaining\": -1" },
    };

    [Theory]
    [MemberData(nameof(HostileCases))]
    public async Task Schema_CaseSchema_RejectsWhatTheCaseReaderRejects(string what, string from, string to)
    {
        var schema = await NJsonSchema.JsonSchema.FromJsonAsync((await Run(["schema", "--rules", TestPaths.Rules])).Out);
        var example = File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json"));
        Assert.Contains(from, example, StringComparison.Ordinal);
        var hostile = example.Replace(from, to, StringComparison.Ordinal);

        var errors = schema.Validate(Exact(hostile));

        Assert.True(errors.Count > 0, $"{what}: the schema accepts it");
        Assert.Empty(schema.Validate(Exact(example)));
        Assert.False(BundledRules.Catalogue.ReadCase(hostile).IsValid, $"{what}: the reader accepts it");
    }

    [Fact]
    public async Task Schema_CaseSchema_NamesTheUnknownFieldAndTheBadEnumValue()
    {
        var schema = await NJsonSchema.JsonSchema.FromJsonAsync((await Run(["schema", "--rules", TestPaths.Rules])).Out);
        var example = File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json"));

        var unknown = schema.Validate(Exact(example.Replace("\"status\": \"open\",", "\"status\": \"open\", \"nickname\": \"x\",", StringComparison.Ordinal)));
        var badKind = schema.Validate(Exact(example.Replace("\"kind\": \"promotional\"", "\"kind\": \"bonus\"", StringComparison.Ordinal)));

        var error = Assert.Single(Flatten(unknown));
        Assert.Equal(NJsonSchema.Validation.ValidationErrorKind.NoAdditionalPropertiesAllowed, error.Kind);
        Assert.Equal("nickname", error.Property);
        Assert.Equal("#/account.nickname", error.Path);
        var kind = Assert.Single(Flatten(badKind));
        Assert.Equal(NJsonSchema.Validation.ValidationErrorKind.NotInEnumeration, kind.Kind);
        Assert.Equal("#/grants[1].kind", kind.Path);
    }

    /// <summary>The errors NJsonSchema reports, with those nested in an array item's or a branch's error listed in their place.</summary>
    private static IEnumerable<NJsonSchema.Validation.ValidationError> Flatten(IEnumerable<NJsonSchema.Validation.ValidationError> errors)
    {
        foreach (var e in errors)
        {
            if (e is NJsonSchema.Validation.ChildSchemaValidationError child)
            {
                foreach (var nested in Flatten(child.Errors.Values.SelectMany(v => v))) yield return nested;
            }
            else
            {
                yield return e;
            }
        }
    }

    // --tzdb: the tz database expiries are computed with, and its version in check and in decisions.

    [Fact]
    public async Task Check_BundledTzDatabase_ShowsItsVersion()
    {
        var run = await Run(["check", TestPaths.Rules]);

        Assert.Equal(0, run.Exit);
        var loaded = run.Out.Split('\n')[1];
        Assert.StartsWith($"Loaded 1 version of the terms from {TestPaths.Rules} (sha256:", loaded, StringComparison.Ordinal);
        Assert.EndsWith($"), tzdb {TimeZoneDatabase.Bundled.Version} (bundled):", loaded, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Tzdb_ShowsTheVersionOfTheFileLoaded()
    {
        var tzdb = TestTimeZones.WithOtherVersion();

        var run = await Run(["check", TestPaths.Rules, "--tzdb", tzdb]);

        Assert.True(run.Exit == 0, run.Out + run.Err);
        Assert.EndsWith($"), tzdb {TestTimeZones.OtherVersion} ({tzdb}):", run.Out.Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_Tzdb_DecisionCitesItsVersionAndGetsAnotherRecord()
    {
        var tzdb = TestTimeZones.WithOtherVersion();
        var example = Path.Combine(TestPaths.Examples, "use.json");

        var bundled = await Run(["evaluate", example, "--rules", TestPaths.Rules]);
        var loaded = await Run(["evaluate", example, "--rules", TestPaths.Rules, "--tzdb", tzdb]);

        Assert.Equal((0, ""), (loaded.Exit, loaded.Err));
        var (before, after) = (Exact(bundled.Out), Exact(loaded.Out));
        Assert.Equal(TestTimeZones.OtherVersion, (string?)after["rules"]!["tzdb"]);
        Assert.Equal((string?)before["rules"]!["digest"], (string?)after["rules"]!["digest"]);
        Assert.NotEqual((string?)before["record"]!["id"], (string?)after["record"]!["id"]);
        Assert.Equal((string?)before["record"]!["caseDigest"], (string?)after["record"]!["caseDigest"]);
        Assert.Equal(before["allocations"]!.ToString(), after["allocations"]!.ToString());
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("check")]
    [InlineData("explain")]
    public async Task RunAsync_TzdbNotATzDatabase_ExitsTwoNamingTheFile(string command)
    {
        var broken = TestTimeZones.NotADatabase();
        string[] args = command == "check"
            ? ["check", TestPaths.Rules, "--tzdb", broken]
            : [command, Path.Combine(TestPaths.Examples, "use.json"), "--rules", TestPaths.Rules, "--tzdb", broken];

        var run = await Run(args);

        Assert.Equal(2, run.Exit);
        Assert.DoesNotContain("FAIL", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\"outcome\"", run.Out, StringComparison.Ordinal);
        var error = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.StartsWith($"error: --tzdb {broken}: not a NodaTime tz database (.nzd): ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_TzdbMissing_ExitsTwoSayingItCannotBeRead()
    {
        var missing = Path.Combine(_folder, "tzdb2026z.nzd");

        var run = await Run(["evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", TestPaths.Rules, "--tzdb", missing]);

        Assert.Equal((2, ""), (run.Exit, run.Out));
        Assert.Equal($"error: --tzdb {missing}: the tz database file cannot be read: No such file or directory\n", run.Err);
    }

    [Fact]
    public async Task RunAsync_HelpOfADecidingCommand_DescribesTzdbWithTheBundledVersion()
    {
        var run = await Run(["evaluate", "--help"]);

        Assert.Contains("--tzdb", run.Out, StringComparison.Ordinal);
        Assert.Contains($"instead of the one bundled ({TimeZoneDatabase.Bundled.Version})", run.Out, StringComparison.Ordinal);
    }
}
