using System.CommandLine;
using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Records;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Cli;

/// <summary>The explain command, and reading a case or opening a decision log for any command.</summary>
internal sealed partial class Commands
{
    private Command ExplainCommand()
    {
        var casePath = new Argument<string>("case") { Description = "The case JSON file (or a scenario file, whose case is explained), or - to read standard input." };
        var rules = RulesOption();
        var command = new Command("explain", "Decide one case and explain it for a person: every rule run, in order, whether it fired, its clause and the values it looked at, then the decision.")
        {
            casePath, rules,
        };
        command.SetAction(parse =>
        {
            if (!TryLoadRules(parse.GetValue(rules), _rulesSearch, stderr, out var catalogue, out _)) return ExitCodes.BadInput;
            if (!TryReadCase(parse.GetValue(casePath)!, out var @case, acceptScenario: true)) return ExitCodes.BadInput;
            var evaluation = new CreditPolicyEngine(catalogue!).Explain(@case!);
            ExplanationWriter.Write(stdout, @case!, evaluation);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Reads a case from a file or, for <c>-</c>, standard input; on failure writes every problem to stderr.</summary>
    /// <param name="path">The file, or <c>-</c>.</param>
    /// <param name="case">The case read.</param>
    /// <param name="acceptScenario">Also accept a scenario file (an object with <c>case</c> and <c>expect</c>) and read its case.</param>
    private bool TryReadCase(string path, out CreditCase? @case, bool acceptScenario = false)
    {
        @case = null;
        CaseReadResult read;
        var source = path == "-" ? "standard input" : path;
        try
        {
            var text = path == "-" ? stdin.ReadToEnd() : File.ReadAllText(path);
            read = CaseJson.Read(text);
            if (!read.IsValid && acceptScenario && ScenarioCase(text) is { } scenarioCase)
            {
                read = CaseJson.FromToken(scenarioCase);
                source += " (its case)";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot read the case file {source}: {ex.Message}");
            return false;
        }

        if (!read.IsValid)
        {
            stderr.WriteLine("error: " + new InvalidCaseException(source, read.Problems).Message);
            return false;
        }

        @case = read.Case;
        return true;
    }

    private static JObject? ScenarioCase(string text)
    {
        try
        {
            using var reader = CaseJson.CreateReader(new StringReader(text));
            var root = JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load });
            return root is JObject o && o["expect"] is JObject && o["case"] is JObject c ? c : null;
        }
        catch (JsonReaderException)
        {
            return null;
        }
    }

    /// <summary>Opens a decision log for appending when a path is given; null (and true) when none is.</summary>
    private bool TryOpenLog(string? path, out NdjsonDecisionLog? log)
    {
        log = null;
        if (path is null) return true;
        try
        {
            log = new NdjsonDecisionLog(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"error: cannot open the decision log {path} for appending: {ex.Message}");
            return false;
        }
    }
}
