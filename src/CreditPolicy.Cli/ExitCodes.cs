namespace CreditPolicy.Cli;

/// <summary>The exit codes of the creditpolicy command.</summary>
internal static class ExitCodes
{
    /// <summary>evaluate, explain: a decision was printed (permit, deny or indeterminate). check: every scenario passed. generate: the cases were written.</summary>
    public const int Ok = 0;

    /// <summary>An internal failure (a bug); check: a scenario failed or a rule lacks scenarios.</summary>
    public const int Failure = 1;

    /// <summary>The case or the rules could not be read, or (check) a file does not follow its schema; the message names the file, the place and what was expected.</summary>
    public const int BadInput = 2;

    public const string Help = """
        Exit codes:
          0  evaluate, explain: a decision was printed (permit, deny or indeterminate); check: all scenarios passed;
             generate: the cases were written
          1  check: a scenario failed or a rule lacks scenarios; otherwise an internal failure
          2  the case, the rules or the log could not be read or written, an option is wrong, or (check) a file does
             not follow its schema (the message says which file, where, and what was expected)
        """;
}
