using System.CommandLine;
using System.CommandLine.Help;
using System.Text;
using CreditPolicy.Cli.Generation;
using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Schemas;
using CreditPolicy.Scenarios;

namespace CreditPolicy.Cli;

/// <summary>The creditpolicy commands, writing to the given output and error writers so tests can run them in-process.</summary>
/// <param name="stdin">Standard input.</param>
/// <param name="stdout">Standard output.</param>
/// <param name="stderr">Standard error.</param>
/// <param name="rulesSearch">Where to look for a rule directory the command line does not name; default: this process's
/// <c>CREDITPOLICY_RULES</c>, current directory and base directory.</param>
/// <param name="stdoutStream">Standard output as a byte stream, for commands that write UTF-8 directly (sweep); null to write through <paramref name="stdout"/>.</param>
internal sealed partial class Commands(Stream stdin, TextWriter stdout, TextWriter stderr, RulesSearch? rulesSearch = null, Stream? stdoutStream = null)
{
    /// <summary>The command's name as users type it (the tool package's ToolCommandName).</summary>
    public const string ToolCommandName = "creditpolicy";

    private readonly RulesSearch _rulesSearch = rulesSearch ?? RulesSearch.FromProcess();

    public static async Task<int> Main(string[] args) =>
        await new Commands(Console.OpenStandardInput(), Console.Out, Console.Error, null, Console.OpenStandardOutput()).RunAsync(args);

    /// <summary>The command tree: creditpolicy and its subcommands, with help that ends in the exit codes of the command asked about.</summary>
    internal Command Root()
    {
        // A plain Command rather than RootCommand: RootCommand names itself after the entry assembly (CreditPolicy.Cli,
        // or the test host), and its name is the usage line's; the command users type is creditpolicy.
        var root = new Command(ToolCommandName, "CreditPolicy: decide what may happen to prepaid and promotional credits under terms written as RulesEngine JSON workflows.");
        var help = new HelpOption { Recursive = true };
        help.Action = new HelpWithExitCodes((HelpAction)help.Action!);
        root.Options.Add(help);
        root.Options.Add(new VersionOption());
        root.Options.Add(TzdbOption);
        root.Subcommands.Add(EvaluateCommand());
        root.Subcommands.Add(CheckCommand());
        root.Subcommands.Add(ExplainCommand());
        root.Subcommands.Add(GenerateCommand());
        root.Subcommands.Add(SchemaCommand());
        var batch = new BatchCommands(stdin, stdout, stderr, _rulesSearch, interactive: ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected, stdoutStream);
        root.Subcommands.Add(batch.Sweep());
        root.Subcommands.Add(batch.Diff());
        root.Subcommands.Add(ServeCommand());
        return root;
    }

    public async Task<int> RunAsync(string[] args)
    {
        var root = Root();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpWithExitCodes)
        {
            foreach (var error in parse.Errors) await stderr.WriteLineAsync("error: " + error.Message);
            await stderr.WriteLineAsync($"Run '{ToolCommandName} --help' for usage.");
            return ExitCodes.BadInput;
        }

        try
        {
            var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };

            // serve stops on SIGTERM and Ctrl-C as a host does (finish the requests in flight, then exit 0); the
            // command line's own handler would end it after two seconds with 143.
            if (parse.CommandResult.Command.Name == "serve") invocation.ProcessTerminationTimeout = null;
            return await parse.InvokeAsync(invocation);
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"internal error: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>--tzdb, on every command: a NodaTime tz database file to compute expiries with instead of the bundled one.</summary>
    internal static Option<string?> TzdbOption { get; } = new("--tzdb")
    {
        Description = "A NodaTime tz database file (.nzd, from https://nodatime.org/tzdb/) to compute expiries with, instead of the one bundled (" + TimeZoneDatabase.Bundled.Version + "); its version is cited in every decision.",
        Recursive = true,
    };

    /// <summary>The --rules option of every command that decides cases; unset, <see cref="RulesLocation"/> resolves the directory.</summary>
    internal static Option<string?> RulesOption() => new("--rules", "-r")
    {
        Description = "The rule directory (holding terms.json, or versions/ with one folder per version of the terms). " + RulesLocation.DefaultHelp,
    };

    private Command EvaluateCommand()
    {
        var casePath = new Argument<string>("case") { Description = "The case JSON file, or - to read standard input." };
        var rules = RulesOption();
        var compact = new Option<bool>("--compact") { Description = "Print the decision on one line." };
        var trace = new Option<bool>("--trace") { Description = "Add 'trace' to the decision: every rule run, in order, with the values it looked at." };
        var log = new Option<string?>("--log") { Description = "Append the case and the decision as one JSON line to this decision log (NDJSON)." };
        var command = new Command("evaluate", "Decide one case and print the decision as JSON.") { casePath, rules, compact, trace, log };
        command.SetAction(parse =>
        {
            if (!TryLoadRules(parse.GetValue(rules), _rulesSearch, stderr, out var catalogue, out _, parse.GetValue(TzdbOption))) return ExitCodes.BadInput;
            if (!TryReadCase(catalogue!, parse.GetValue(casePath)!, out var @case)) return ExitCodes.BadInput;
            if (!TryOpenLog(parse.GetValue(log), out var sink)) return ExitCodes.BadInput;
            using (sink)
            {
                var engine = new CreditPolicyEngine(catalogue!, sink);
                var indented = !parse.GetValue(compact);
                try
                {
                    stdout.WriteLine(parse.GetValue(trace)
                        ? DecisionJson.Serialize(engine.Explain(@case!), indented)
                        : DecisionJson.Serialize(engine.Decide(@case!), indented));
                }
                catch (IOException ex) when (sink is not null)
                {
                    // The decision could not be logged, so it is not printed: an unrecorded decision is not handed out.
                    stderr.WriteLine("error: " + ex.Message);
                    return ExitCodes.BadInput;
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private Command CheckCommand()
    {
        var dir = new Argument<string?>("rules")
        {
            Description = "The rule directory to check. " + RulesLocation.DefaultHelp,
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("check", "Check a rule directory: every file against its JSON Schema, every rule of every version of the terms loaded and compiled, every scenario run (<rules>/tests/, or each <rules>/versions/<version>/tests/ and the scenarios across versions in <rules>/tests/), and every rule covered by a scenario where it decides and one where it does not.") { dir };
        command.SetAction(parse =>
        {
            if (!RulesLocation.TryResolve(parse.GetValue(dir), _rulesSearch, out var location, out var missing))
            {
                stderr.WriteLine("error: " + missing);
                return ExitCodes.BadInput;
            }

            if (!SchemasPass(location!.Directory)) return ExitCodes.BadInput;
            if (!TryLoadRules(location, stderr, out var catalogue, parse.GetValue(TzdbOption), rulesEngineValidation: true)) return ExitCodes.BadInput;
            var versions = catalogue!.Versions;
            stdout.WriteLine($"Loaded {versions.Count} version{(versions.Count == 1 ? "" : "s")} of the terms from {location.Directory} ({catalogue.Identity.Digest}), {catalogue.TimeZones}:");
            var width = versions.Max(v => v.Identity.TermsVersion!.Length);
            foreach (var v in versions)
            {
                var from = v.EffectiveFrom is { } f ? "in force from " + NodaTime.Text.InstantPattern.ExtendedIso.Format(f) : "in force at every instant";
                stdout.WriteLine($"  {v.Identity.TermsVersion!.PadRight(width)}  {from}  {v.Rules.Count} rules from {v.Files.Count} files  {v.Identity.Digest}");
            }

            var stale = SchemaCatalog.Stale(catalogue);
            foreach (var problem in stale) stdout.WriteLine($"FAIL  {problem}");
            var report = ScenarioRunner.Check(catalogue);
            foreach (var (version, versionReport) in report.Versions)
            {
                var label = version.Identity.TermsVersion!.PadRight(width);
                var folder = report.VersionFolder(version);
                foreach (var result in versionReport.Results) WriteResult(result, label, $"{folder}{ScenarioRunner.TestsFolder}/{result.File}");
                foreach (var gap in versionReport.Gaps) stdout.WriteLine($"FAIL  {label}  coverage: rule '{gap.Rule}' ({folder}{gap.File}) {gap.Problem}");
                if (versionReport.Results.Count == 0) stdout.WriteLine($"FAIL  {label}  no scenarios under {folder}{ScenarioRunner.TestsFolder}/");
            }

            foreach (var result in report.AcrossVersions)
            {
                // A scenario across versions belongs to the version that decided it; "-" when none did.
                var label = (result.Decision?.Rules.TermsVersion ?? "-").PadRight(width);
                WriteResult(result, label, $"{ScenarioRunner.TestsFolder}/{result.File}");
            }

            stdout.WriteLine($"{report.Passed} passed, {report.Failed + stale.Count} failed");
            return report.Succeeded && stale.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;

        void WriteResult(ScenarioResult result, string label, string file)
        {
            var cited = result.Decision is { } d ? $"  {DecisionJson.OutcomeName(d.Outcome)} by {string.Join(", ", d.Reasons.Select(r => r.Rule).Distinct())}" : "";
            stdout.WriteLine($"{(result.Passed ? "PASS" : "FAIL")}  {label}  {file}{cited}");
            foreach (var failure in result.Failures) stdout.WriteLine("        " + failure);
        }
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
            Description = "The seed; the same seed, count and rules give the same bytes on every machine, and case i of a seed is the same whatever the count.",
            DefaultValueFactory = _ => 1,
        };
        var output = new Option<string?>("--out", "-o") { Description = "Write to this file instead of standard output." };
        var rules = RulesOption();
        var parallel = BatchCommands.ParallelOption();
        var command = new Command("generate", "Generate valid cases as NDJSON (one case per line), deterministically for a seed, from the vocabulary each version of the terms declares: every kind and request type, typed attributes within their bounds, optional ones absent, null or defaulted, many accounts (a few with thousands of grants), asOf within the versions the rules hold, and calendar edges taken from the periods the rules declare (asOf exactly at, and one tick around, an instant plus a period in the account's zone; leap days; daylight-saving gaps and overlaps) and balances exactly at the amounts the rules compare them with. The output is the same whatever --parallel.")
        {
            count, seed, output, rules, parallel,
        };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(count);
            if (n < 0)
            {
                stderr.WriteLine($"error: --count must be zero or more, got {n}");
                return ExitCodes.BadInput;
            }

            var cores = parse.GetValue(parallel);
            if (cores < 1)
            {
                stderr.WriteLine($"error: --parallel must be at least 1, got {cores}");
                return ExitCodes.BadInput;
            }

            if (!TryLoadRules(parse.GetValue(rules), _rulesSearch, stderr, out var catalogue, out _, parse.GetValue(TzdbOption))) return ExitCodes.BadInput;
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
                // Case i depends only on (seed, i), so cases are made on every core and written in index order.
                var generator = new CaseGenerator(catalogue!, parse.GetValue(seed));
                await Batch.OrderedParallel.RunAsync(
                    Enumerable.Range(0, n),
                    generator.Generate,
                    generated =>
                    {
                        // '\n' rather than the platform's newline: the same seed gives the same bytes everywhere.
                        writer.Write(generated.Json);
                        writer.Write('\n');
                    },
                    cores,
                    batchSize: 64,
                    ct);
                await writer.FlushAsync(ct);
            }
            catch (InvalidOperationException ex)
            {
                stderr.WriteLine("error: " + ex.Message);
                return ExitCodes.BadInput;
            }
            finally
            {
                if (!ReferenceEquals(writer, stdout)) await writer.DisposeAsync();
            }

            return ExitCodes.Ok;
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
            stdout.WriteLine($"Schemas: {RuleSchemas.Files(directory).Count} files follow their JSON Schemas.");
            return true;
        }

        var files = problems.Select(p => p.File).Distinct(StringComparer.Ordinal).Count();
        stderr.WriteLine($"error: {files} file{(files == 1 ? "" : "s")} in {directory} do{(files == 1 ? "es" : "")} not follow {(files == 1 ? "its schema" : "their schemas")} ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):");
        foreach (var problem in problems) stderr.WriteLine("  " + problem);
        return false;
    }

    /// <summary>Resolves the rule directory (<see cref="RulesLocation"/>) and loads it; on failure writes why to stderr.</summary>
    /// <param name="named">The directory named on the command line, or null to look in the environment, ./rules and the bundled terms.</param>
    /// <param name="search">Where to look when none is named.</param>
    /// <param name="stderr">Where the problems, and for a directory not named on the command line which one is used, are written.</param>
    /// <param name="catalogue">The rules loaded.</param>
    /// <param name="location">The directory resolved.</param>
    /// <param name="tzdb">A tz database file to load instead of the bundled one (<c>--tzdb</c>), or null.</param>
    internal static bool TryLoadRules(string? named, RulesSearch search, TextWriter stderr, out RuleCatalogue? catalogue, out RulesLocation? location, string? tzdb = null)
    {
        catalogue = null;
        if (!RulesLocation.TryResolve(named, search, out location, out var missing))
        {
            stderr.WriteLine("error: " + missing);
            return false;
        }

        return TryLoadRules(location!, stderr, out catalogue, tzdb);
    }

    /// <summary>Loads a resolved rule directory; when the command line did not name it, says on stderr (one line) which one is used.</summary>
    /// <remarks>RulesEngine's own validator runs only for <c>check</c> (<paramref name="rulesEngineValidation"/>): the other commands start faster without it, see <see cref="RuleSetLoader"/>.</remarks>
    internal static bool TryLoadRules(RulesLocation location, TextWriter stderr, out RuleCatalogue? catalogue, string? tzdb = null, bool rulesEngineValidation = false)
    {
        catalogue = null;
        TimeZoneDatabase timeZones;
        try
        {
            timeZones = tzdb is null ? TimeZoneDatabase.Bundled : TimeZoneDatabase.Load(tzdb);
        }
        catch (InvalidDataException ex)
        {
            stderr.WriteLine("error: --tzdb " + ex.Message);
            return false;
        }

        try
        {
            catalogue = RuleCatalogue.Load(location.Directory, RuleDirectorySnapshot.Read(location.Directory), timeZones, rulesEngineValidation);
        }
        catch (RuleSetLoadException ex)
        {
            // Stdout stays the command's own output (pure JSON for evaluate and sweep); which rules were used goes to stderr.
            if (location.IsImplicit) stderr.WriteLine(location.Describe());
            stderr.WriteLine("error: " + ex.Message);
            catalogue = null;
            return false;
        }

        if (location.IsImplicit) stderr.WriteLine(location.Describe(catalogue));
        return true;
    }
}
