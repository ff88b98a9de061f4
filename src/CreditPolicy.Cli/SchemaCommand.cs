using System.CommandLine;
using System.Text;
using CreditPolicy.Schemas;

namespace CreditPolicy.Cli;

/// <summary>The schema command: the JSON Schemas generated from a rule directory and from CreditPolicy's own conventions.</summary>
internal sealed partial class Commands
{
    private Command SchemaCommand()
    {
        var rules = RulesOption();
        var version = new Option<string?>("--terms-version") { Description = "The version of the terms whose case schema to print (default: the only one, or the latest)." };
        var output = new Option<string?>("--out", "-o") { Description = "Write every schema (rule-file, terms, vocabulary, scenario, and each version's case schema) into this folder instead of printing the case schema." };
        var command = new Command("schema", "Print the JSON Schema of cases under a version of the terms, generated from its vocabulary.json, for editors and for clients in other languages; with --out, write every schema a rule directory's schema/ folder holds (check fails when those copies are out of date).")
        {
            rules, version, output,
        };
        command.SetAction(parse =>
        {
            if (!TryLoadRules(parse.GetValue(rules), _rulesSearch, stderr, out var catalogue, out _, parse.GetValue(TzdbOption))) return ExitCodes.BadInput;
            if (parse.GetValue(output) is { } folder)
            {
                try
                {
                    Directory.CreateDirectory(folder);
                    foreach (var (file, text) in SchemaCatalog.Files(catalogue!))
                    {
                        File.WriteAllText(Path.Combine(folder, file), text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                        stdout.WriteLine($"wrote {Path.Combine(folder, file)}");
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    stderr.WriteLine($"error: cannot write the schemas to {folder}: {ex.Message}");
                    return ExitCodes.BadInput;
                }

                return ExitCodes.Ok;
            }

            var wanted = parse.GetValue(version);
            var set = wanted is null ? catalogue!.Versions[^1] : catalogue!.Find(wanted);
            if (set is null)
            {
                stderr.WriteLine($"error: --terms-version '{wanted}': the rules hold {string.Join(", ", catalogue.Versions.Select(v => v.Identity.TermsVersion))}");
                return ExitCodes.BadInput;
            }

            stdout.Write(SchemaCatalog.Text(SchemaCatalog.Case(set.Contract, set.Identity.TermsVersion)));
            return ExitCodes.Ok;
        });
        return command;
    }
}
