using System.CommandLine;
using CreditPolicy.Json;
using CreditPolicy.Rules;
using CreditPolicy.Schemas;
using CreditPolicy.Scenarios;

namespace CreditPolicy.Cli;

/// <summary>The creditpolicy commands, writing to the given output and error writers so tests can run them in-process.</summary>
internal sealed partial class Commands(TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    private const string DefaultRules = "rules";

    public static async Task<int> Main(string[] args) =>
        await new Commands(Console.In, Console.Out, Console.Error).RunAsync(args);

    public async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("CreditPolicy: decide what may happen to prepaid and promotional credits under terms written as RulesEngine JSON workflows.\n\n" + ExitCodes.Help);
        root.Subcommands.Add(EvaluateCommand());
        root.Subcommands.Add(CheckCommand());
        root.Subcommands.Add(ExplainCommand());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors) await stderr.WriteLineAsync("error: " + error.Message);
            await stderr.WriteLineAsync("Run 'creditpolicy --help' for usage.");
            return ExitCodes.BadInput;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"internal error: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    private static Option<string> RulesOption() => new("--rules", "-r")
    {
        Description = "The rule directory (holding terms.json). Default: ./rules",
        DefaultValueFactory = _ => DefaultRules,
    };

    private Command EvaluateCommand()
    {
        var casePath = new Argument<string>("case") { Description = "The case JSON file, or - to read standard input." };
        var rules = RulesOption();
        var compact = new Option<bool>("--compact") { Description = "Print the decision on one line." };
        var trace = new Option<bool>("--trace") { Description = "Add 'trace' to the decision: every rule run, in order, with the values it looked at." };
        var log = new Option<string?>("--log") { Description = "Append the case and the decision as one JSON line to this decision log (NDJSON)." };
        var command = new Command("evaluate", "Decide one case and print the decision as JSON.\n\n" + ExitCodes.Help) { casePath, rules, compact, trace, log };
        command.SetAction(parse =>
        {
            if (!TryLoad(parse.GetValue(rules)!, out var ruleSet)) return ExitCodes.BadInput;
            if (!TryReadCase(parse.GetValue(casePath)!, out var @case)) return ExitCodes.BadInput;
            if (!TryOpenLog(parse.GetValue(log), out var sink)) return ExitCodes.BadInput;
            using (sink)
            {
                var engine = new CreditPolicyEngine(ruleSet!, sink);
                var indented = !parse.GetValue(compact);
                stdout.WriteLine(parse.GetValue(trace)
                    ? DecisionJson.Serialize(engine.Explain(@case!), indented)
                    : DecisionJson.Serialize(engine.Decide(@case!), indented));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private Command CheckCommand()
    {
        var dir = new Argument<string>("rules")
        {
            Description = "The rule directory to check. Default: ./rules",
            DefaultValueFactory = _ => DefaultRules,
        };
        var command = new Command("check", "Validate every file against its JSON Schema (rules/schema/), load and compile every rule, run every scenario under <rules>/tests/, and check that every rule has a scenario where it decides and one where it does not.\n\n" + ExitCodes.Help) { dir };
        command.SetAction(parse =>
        {
            if (!SchemasPass(parse.GetValue(dir)!)) return ExitCodes.BadInput;
            if (!TryLoad(parse.GetValue(dir)!, out var ruleSet)) return ExitCodes.BadInput;
            stdout.WriteLine($"Loaded {ruleSet!.Rules.Count} rules from {ruleSet.Files.Count} files (terms {ruleSet.Identity.TermsVersion}, {ruleSet.Identity.Digest}).");
            var report = ScenarioRunner.Check(ruleSet);
            foreach (var result in report.Results)
            {
                var cited = result.Decision is { } d ? $" {DecisionJson.OutcomeName(d.Outcome)} by {string.Join(", ", d.Reasons.Select(r => r.Rule).Distinct())}" : "";
                stdout.WriteLine($"{(result.Passed ? "PASS" : "FAIL")}  {result.File}{cited}");
                foreach (var failure in result.Failures) stdout.WriteLine("        " + failure);
            }

            foreach (var gap in report.Gaps) stdout.WriteLine($"FAIL  coverage: {gap}");
            if (report.Results.Count == 0) stdout.WriteLine($"FAIL  no scenarios under {Path.Combine(ruleSet.Directory, ScenarioRunner.TestsFolder)}");
            stdout.WriteLine($"{report.Passed} passed, {report.Failed + (report.Results.Count == 0 ? 1 : 0)} failed");
            return report.Succeeded && report.Results.Count > 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>Validates every file of the rule directory against its schema; prints every problem, or one line saying all passed.</summary>
    private bool SchemasPass(string directory)
    {
        if (!Directory.Exists(directory)) return true; // the loader names a missing directory
        var problems = RuleSchemas.ValidateDirectory(directory);
        if (problems.Count == 0)
        {
            stdout.WriteLine($"Schemas: {RuleSchemas.Files(directory).Count} files follow rules/schema/.");
            return true;
        }

        var files = problems.Select(p => p.File).Distinct(StringComparer.Ordinal).Count();
        stderr.WriteLine($"error: {files} file{(files == 1 ? "" : "s")} in {directory} do{(files == 1 ? "es" : "")} not follow {(files == 1 ? "its schema" : "their schemas")} ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):");
        foreach (var problem in problems) stderr.WriteLine("  " + problem);
        return false;
    }

    private bool TryLoad(string directory, out RuleSet? ruleSet)
    {
        try
        {
            ruleSet = RuleSet.Load(directory);
            return true;
        }
        catch (RuleSetLoadException ex)
        {
            stderr.WriteLine("error: " + ex.Message);
            ruleSet = null;
            return false;
        }
    }
}
