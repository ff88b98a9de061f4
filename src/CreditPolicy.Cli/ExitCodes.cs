using System.Text;

namespace CreditPolicy.Cli;

/// <summary>The exit codes of the creditpolicy command, and what each means for each subcommand.</summary>
/// <remarks>
/// <see cref="Meanings"/> is the one table: the root help shows all of it once, each subcommand's help only its own
/// lines, and README's table says the same. Every subcommand exits 2 for a wrong option and 1 for an internal failure.
/// </remarks>
internal static class ExitCodes
{
    /// <summary>The command did what was asked: a decision or explanation printed, every scenario passed, the cases written, the book decided, no decision changed.</summary>
    public const int Ok = 0;

    /// <summary>check: a scenario failed or a rule lacks scenarios; diff: a decision changed; any command: an internal failure (a bug).</summary>
    public const int Failure = 1;

    /// <summary>Input the user can fix: the case, the rules, a file to read or write, or an option; stderr names the file, the place and what was expected.</summary>
    public const int BadInput = 2;

    private const string InternalFailure = "an internal failure (a bug: please report it)";

    /// <summary>What each exit code means for each subcommand, in the order the root help lists the subcommands.</summary>
    public static IReadOnlyList<CommandExitCodes> Meanings { get; } =
    [
        new("evaluate",
            "a decision was printed (permit, deny or indeterminate, including a case no version of the terms can decide)",
            null,
            "the case or the rules could not be read, the decision log could not be opened, or an option is wrong"),
        new("check",
            "every file follows its schema, every scenario of every version passed and every rule is covered",
            "a scenario failed, a rule lacks scenarios, or a schema in the directory's schema/ folder is out of date",
            "a file does not follow its schema, the rules do not load, or an option is wrong"),
        new("explain",
            "the explanation was printed (whatever the decision)",
            null,
            "the case or the rules could not be read, or an option is wrong"),
        new("generate",
            "the cases were written",
            null,
            "the rules could not be read, the output file could not be written, or an option is wrong"),
        new("schema",
            "the schema was printed, or the schemas were written",
            null,
            "the rules could not be read, the schemas could not be written, or an option is wrong"),
        new("sweep",
            "every line was decided, or written as an error record when it is not a valid case",
            null,
            "the rules or the cases file could not be read, the output could not be written, or an option is wrong"),
        new("diff",
            "no decision changed (or --allow-changes was given)",
            "a decision changed",
            "either rule set or the cases file could not be read, or an option is wrong"),
        new("serve",
            "the server stopped on SIGTERM or Ctrl-C after answering the requests in flight",
            null,
            "the rules, the token file, the decision log or an address could not be used (a port taken, an address other than loopback without --token-file or --allow-unauthenticated), or an option is wrong"),
    ];

    /// <summary>The exit-code block for the root help: every subcommand's lines, once.</summary>
    public static string RootHelp()
    {
        var text = new StringBuilder("Exit codes:\n");
        Add(text, Ok, Meanings.Select(m => (m.Command, m.Ok)));
        Add(text, Failure, Meanings.Where(m => m.Failure is not null).Select(m => (m.Command, m.Failure!)).Append(("any command", InternalFailure)));
        Add(text, BadInput, Meanings.Select(m => (m.Command, m.BadInput)));
        text.Append("  On 2, stderr says what went wrong: the file, the line and JSON path, and what was expected.\n");
        return text.ToString();
    }

    /// <summary>The exit-code block for one subcommand's help: only its own lines.</summary>
    /// <exception cref="ArgumentException">Thrown when <paramref name="command"/> is not a subcommand.</exception>
    public static string HelpFor(string command)
    {
        var m = Meanings.FirstOrDefault(m => m.Command == command) ?? throw new ArgumentException($"'{command}' is not a subcommand", nameof(command));
        var failure = m.Failure is null ? InternalFailure : $"{m.Failure}; or {InternalFailure}";
        return $"Exit codes:\n  {Ok}  {m.Ok}\n  {Failure}  {failure}\n  {BadInput}  {m.BadInput}; stderr says which file, where, and what was expected\n";
    }

    private static void Add(StringBuilder text, int code, IEnumerable<(string Command, string Meaning)> lines)
    {
        var first = true;
        foreach (var (command, meaning) in lines)
        {
            text.Append(first ? $"  {code}  " : "     ").Append(command).Append(": ").Append(meaning).Append('\n');
            first = false;
        }
    }
}

/// <summary>What exit codes 0, 1 and 2 mean for one subcommand.</summary>
/// <param name="Command">The subcommand's name.</param>
/// <param name="Ok">What exit code 0 means.</param>
/// <param name="Failure">What exit code 1 means besides an internal failure; null when it means only that.</param>
/// <param name="BadInput">What exit code 2 means.</param>
internal sealed record CommandExitCodes(string Command, string Ok, string? Failure, string BadInput);
