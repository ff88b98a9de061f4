using System.CommandLine;
using CreditPolicy.Evaluation;
using System.Text.Json;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using CreditPolicy.Records;
using CreditPolicy.Rules;

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
            if (!TryLoadRules(parse.GetValue(rules), _rulesSearch, stderr, out var catalogue, out _, parse.GetValue(TzdbOption))) return ExitCodes.BadInput;
            if (!TryReadCase(catalogue!, parse.GetValue(casePath)!, out var @case, acceptScenario: true)) return ExitCodes.BadInput;
            var evaluation = new CreditPolicyEngine(catalogue!).Explain(@case!);
            ExplanationWriter.Write(stdout, @case!, evaluation);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Reads a case from a file or, for <c>-</c>, standard input; on failure writes every problem to stderr.</summary>
    /// <remarks>Reads at most one byte more than a case may have, so an over-long input is refused without being read whole.</remarks>
    /// <param name="catalogue">The rules whose vocabulary the case is read against.</param>
    /// <param name="path">The file, or <c>-</c>.</param>
    /// <param name="case">The case read.</param>
    /// <param name="acceptScenario">Also accept a scenario file (an object with <c>case</c> and <c>expect</c>) and read its case.</param>
    private bool TryReadCase(RuleCatalogue catalogue, string path, out CreditCase? @case, bool acceptScenario = false)
    {
        @case = null;
        CaseReadResult read;
        var source = path == "-" ? "standard input" : path;
        try
        {
            byte[] bytes;
            if (path == "-")
            {
                bytes = BoundedInput.Read(stdin, CaseLimits.MaxBytes);
            }
            else if (!FileSystem.RegularFile.TryReadAll(path, CaseLimits.MaxBytes, out bytes, out var problem))
            {
                // Only a regular file is read as a case: a FIFO would block and a device never end.
                stderr.WriteLine($"error: the case file {path} {problem}");
                return false;
            }

            read = catalogue.ReadCase(bytes);
            if (!read.IsValid && acceptScenario && ScenarioCase(bytes) is { } scenarioCase)
            {
                read = catalogue.ReadCase(scenarioCase.Span);
                source += " (its case)";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
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

    /// <summary>The bytes of the <c>case</c> of a scenario file (an object with <c>case</c> and <c>expect</c>), or null.</summary>
    private static ReadOnlyMemory<byte>? ScenarioCase(byte[] bytes)
    {
        try
        {
            var offset = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            var r = new Utf8JsonReader(bytes.AsSpan(offset));
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return null;
            ReadOnlyMemory<byte>? found = null;
            var expect = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var isCase = r.ValueTextEquals("case"u8);
                expect |= r.ValueTextEquals("expect"u8);
                r.Read();
                var start = (int)r.TokenStartIndex;
                var isObject = r.TokenType == JsonTokenType.StartObject;
                r.Skip();
                if (isCase && isObject) found = bytes.AsMemory(offset + start, (int)r.BytesConsumed - start);
            }

            return expect ? found : null;
        }
        catch (JsonException)
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
