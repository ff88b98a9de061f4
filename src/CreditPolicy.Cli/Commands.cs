using System.CommandLine;
using System.Text;
using CreditPolicy.Cli.Generation;
using CreditPolicy.Json;
using CreditPolicy.Rules;
using CreditPolicy.Scenarios;

namespace CreditPolicy.Cli;

/// <summary>The creditpolicy commands, writing to the given output and error writers so tests can run them in-process.</summary>
internal sealed class Commands(TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    private const string DefaultRules = "rules";

    public static async Task<int> Main(string[] args) =>
        await new Commands(Console.In, Console.Out, Console.Error).RunAsync(args);

    public async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("CreditPolicy: decide what may happen to prepaid and promotional credits under terms written as RulesEngine JSON workflows.\n\n" + ExitCodes.Help);
        root.Subcommands.Add(EvaluateCommand());
        root.Subcommands.Add(CheckCommand());
        root.Subcommands.Add(GenerateCommand());
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
        var command = new Command("evaluate", "Decide one case and print the decision as JSON.\n\n" + ExitCodes.Help) { casePath, rules, compact };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(casePath)!;
            if (!TryLoad(parse.GetValue(rules)!, out var ruleSet)) return ExitCodes.BadInput;
            CaseReadResult read;
            var source = path == "-" ? "standard input" : path;
            try
            {
                if (path == "-")
                {
                    read = CaseJson.Read(stdin);
                }
                else
                {
                    using var reader = File.OpenText(path);
                    read = CaseJson.Read(reader);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: cannot read the case file {source}: {ex.Message}");
                return ExitCodes.BadInput;
            }

            if (!read.IsValid)
            {
                stderr.WriteLine("error: " + new InvalidCaseException(source, read.Problems).Message);
                return ExitCodes.BadInput;
            }

            var decision = new CreditPolicyEngine(ruleSet!).Decide(read.Case!);
            stdout.WriteLine(DecisionJson.Serialize(decision, indented: !parse.GetValue(compact)));
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
        var command = new Command("check", "Load and compile every rule, run every scenario under <rules>/tests/, and check that every rule has a scenario where it decides and one where it does not.\n\n" + ExitCodes.Help) { dir };
        command.SetAction(parse =>
        {
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

    private Command GenerateCommand()
    {
        var count = new Option<int>("--count", "-n")
        {
            Description = "How many cases to generate.",
            DefaultValueFactory = _ => 100,
        };
        var seed = new Option<int>("--seed", "-s")
        {
            Description = "The seed; the same seed and count give the same bytes.",
            DefaultValueFactory = _ => 1,
        };
        var output = new Option<string?>("--out", "-o") { Description = "Write to this file instead of standard output." };
        var command = new Command("generate", "Generate valid cases as NDJSON (one case per line), deterministically for a seed: many time zones, leap days, instants one tick around expiries, balances at the reload threshold, closed accounts, every request type.\n\n" + ExitCodes.Help)
        {
            count, seed, output,
        };
        command.SetAction(parse =>
        {
            var n = parse.GetValue(count);
            if (n < 0)
            {
                stderr.WriteLine($"error: --count must be zero or more, got {n}");
                return ExitCodes.BadInput;
            }

            var path = parse.GetValue(output);
            TextWriter writer;
            try
            {
                writer = path is null ? stdout : new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                stderr.WriteLine($"error: cannot write {path}: {ex.Message}");
                return ExitCodes.BadInput;
            }

            try
            {
                foreach (var generated in new CaseGenerator(parse.GetValue(seed)).GenerateMany(n))
                {
                    // '\n' rather than the platform's newline: the same seed gives the same bytes everywhere.
                    writer.Write(CaseJsonWriter.ToJson(generated.Json));
                    writer.Write('\n');
                }

                writer.Flush();
            }
            finally
            {
                if (!ReferenceEquals(writer, stdout)) writer.Dispose();
            }

            return ExitCodes.Ok;
        });
        return command;
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
