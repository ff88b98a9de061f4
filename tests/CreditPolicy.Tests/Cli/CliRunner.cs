using CreditPolicy.Cli;

namespace CreditPolicy.Tests.Cli;

/// <summary>Runs the creditpolicy command in-process, as a shell would, and captures what it printed.</summary>
internal static class CliRunner
{
    /// <summary>Runs the command with <paramref name="stdin"/> as standard input; lines end in '\n' on every platform.</summary>
    public static Task<(int Exit, string Out, string Err)> Run(string stdin, params string[] args) => RunWith(null, System.Text.Encoding.UTF8.GetBytes(stdin), args);

    /// <summary>Runs the command with these bytes as standard input (which need not be valid UTF-8).</summary>
    public static Task<(int Exit, string Out, string Err)> Run(byte[] stdin, params string[] args) => RunWith(null, stdin, args);

    /// <summary>Runs the command as <see cref="Run(string, string[])"/> does, looking for rules the command line does not name with <paramref name="search"/>.</summary>
    public static Task<(int Exit, string Out, string Err)> RunWith(RulesSearch? search, string stdin, params string[] args) => RunWith(search, System.Text.Encoding.UTF8.GetBytes(stdin), args);

    /// <summary>Runs the command with bytes as standard input, looking for rules with <paramref name="search"/>.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunWith(RulesSearch? search, byte[] stdin, params string[] args)
    {
        using var input = new MemoryStream(stdin);
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exit = await new Commands(input, output, error, search).RunAsync(args);
        return (exit, output.ToString(), error.ToString());
    }
}
