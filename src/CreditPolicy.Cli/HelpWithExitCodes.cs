using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace CreditPolicy.Cli;

/// <summary>The help action, followed by the exit codes of the command asked about: all of them once for the root, only its own for a subcommand.</summary>
/// <remarks>Kept out of the commands' descriptions on purpose: the root help lists every subcommand with its description, so a
/// block appended there would be printed once per subcommand.</remarks>
internal sealed class HelpWithExitCodes(HelpAction help) : SynchronousCommandLineAction
{
    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var exit = help.Invoke(parseResult);
        var command = parseResult.CommandResult.Command;
        var block = command.Parents.Any() ? ExitCodes.HelpFor(command.Name) : ExitCodes.RootHelp();
        // The block's lines end in '\n'; write them with the writer's own newline, as the help above them is.
        var output = parseResult.InvocationConfiguration.Output;
        foreach (var line in block.TrimEnd('\n').Split('\n')) output.WriteLine(line);
        output.WriteLine();
        return exit;
    }
}
