using CreditPolicy.Rules;

namespace CreditPolicy.Cli;

/// <summary>Where a command's rule directory came from.</summary>
internal enum RulesOrigin
{
    /// <summary>Named on the command line: <c>--rules DIR</c>, or <c>check DIR</c>.</summary>
    CommandLine,

    /// <summary>Named by the environment variable <c>CREDITPOLICY_RULES</c>.</summary>
    Environment,

    /// <summary><c>./rules</c> in the current directory.</summary>
    CurrentDirectory,

    /// <summary>The terms bundled with the tool, in <c>rules/</c> beside its assembly.</summary>
    Bundled,
}

/// <summary>What the rule directory is looked up against when the command line names none.</summary>
/// <param name="EnvironmentValue">The value of <c>CREDITPOLICY_RULES</c>, or null when it is not set.</param>
/// <param name="CurrentDirectory">The directory the command runs in.</param>
/// <param name="ToolDirectory">The directory of the tool's assembly, which holds the bundled <c>rules/</c>.</param>
internal sealed record RulesSearch(string? EnvironmentValue, string CurrentDirectory, string ToolDirectory)
{
    /// <summary>The search of this process: its environment, current directory and base directory.</summary>
    public static RulesSearch FromProcess() => new(
        System.Environment.GetEnvironmentVariable(RulesLocation.EnvironmentVariable),
        Directory.GetCurrentDirectory(),
        AppContext.BaseDirectory);
}

/// <summary>The rule directory a command uses, and where it came from.</summary>
/// <remarks>
/// <para>Resolved in this order: the directory named on the command line (<c>--rules DIR</c>, or <c>check DIR</c>);
/// else <c>CREDITPOLICY_RULES</c>; else <c>./rules</c> when it exists in the current directory; else the terms
/// bundled with the tool. A directory that is named (on the command line or in the environment) and does not exist
/// is an error, never a silent fall back to another rule set: a typo must not decide cases under other terms.</para>
/// <para>For example, <c>creditpolicy evaluate case.json</c> run from an empty directory, without the variable,
/// uses the bundled terms and says so on stderr: <c>rules: bundled terms 2026-11-24 (/…/tools/…/rules)</c>.</para>
/// </remarks>
/// <param name="Directory">The rule directory, as given or as a full path.</param>
/// <param name="Origin">Where it came from.</param>
internal sealed record RulesLocation(string Directory, RulesOrigin Origin)
{
    /// <summary>The environment variable that names a rule directory when the command line does not.</summary>
    public const string EnvironmentVariable = "CREDITPOLICY_RULES";

    /// <summary>The folder name of a rule directory in the current directory and beside the tool's assembly.</summary>
    public const string Folder = "rules";

    /// <summary>How the option and argument help describes the default.</summary>
    public const string DefaultHelp = $"Default: ${EnvironmentVariable}, else ./{Folder} when it exists, else the terms bundled with the tool.";

    /// <summary>Whether the command line did not name the directory, so the command says which one it used.</summary>
    public bool IsImplicit => Origin != RulesOrigin.CommandLine;

    /// <summary>Resolves the rule directory; on failure <paramref name="error"/> says which directory is missing and how to name another.</summary>
    /// <param name="named">The directory named on the command line, or null.</param>
    /// <param name="search">The environment, current directory and tool directory to look in otherwise.</param>
    /// <param name="location">The rule directory to use.</param>
    /// <param name="error">Why none could be used, as one line for stderr without the <c>error: </c> prefix.</param>
    public static bool TryResolve(string? named, RulesSearch search, out RulesLocation? location, out string? error)
    {
        ArgumentNullException.ThrowIfNull(search);
        location = null;
        error = null;
        if (named is not null)
        {
            if (System.IO.Directory.Exists(named)) location = new RulesLocation(named, RulesOrigin.CommandLine);
            else error = NotAFolder(named) is { } what
                ? $"rules: {named}: {what} (named on the command line); pass --rules DIR with a rule directory, or set {EnvironmentVariable}"
                : $"rules: the rule directory {named} does not exist (named on the command line); pass --rules DIR with a rule directory, or set {EnvironmentVariable}";
            return location is not null;
        }

        if (!string.IsNullOrEmpty(search.EnvironmentValue))
        {
            if (System.IO.Directory.Exists(search.EnvironmentValue)) location = new RulesLocation(search.EnvironmentValue, RulesOrigin.Environment);
            else error = NotAFolder(search.EnvironmentValue) is { } what
                ? $"rules: {search.EnvironmentValue}: {what} (named by {EnvironmentVariable}); set {EnvironmentVariable} to a rule directory, unset it, or pass --rules DIR"
                : $"rules: the rule directory {search.EnvironmentValue} does not exist (named by {EnvironmentVariable}); set {EnvironmentVariable} to a rule directory, unset it, or pass --rules DIR";
            return location is not null;
        }

        var local = Path.Combine(search.CurrentDirectory, Folder);
        if (System.IO.Directory.Exists(local))
        {
            location = new RulesLocation(local, RulesOrigin.CurrentDirectory);
            return true;
        }

        var bundled = Path.Combine(search.ToolDirectory, Folder);
        if (System.IO.Directory.Exists(bundled))
        {
            location = new RulesLocation(bundled, RulesOrigin.Bundled);
            return true;
        }

        error = $"rules: no rule directory: none named by --rules or {EnvironmentVariable}, no ./{Folder} in {search.CurrentDirectory}, and no bundled terms in {bundled}; pass --rules DIR or set {EnvironmentVariable}";
        return false;
    }

    /// <summary>What an entry that is not a folder is, as the rule directory reader says it (for example "the rule directory is a FIFO (named pipe), not a folder"); null when there is no entry.</summary>
    /// <remarks>Only called for a path that is not a folder, so nothing is walked, and a FIFO or device is never opened.</remarks>
    private static string? NotAFolder(string path) =>
        File.Exists(path) ? RuleDirectorySnapshot.Read(path).Missing : null;

    /// <summary>One line saying which rule directory is used, for stderr; the versions it holds when it loaded.</summary>
    /// <example><c>rules: bundled terms 2026-11-24 (/home/me/.dotnet/tools/.store/creditpolicy.cli/0.1.0/…/rules)</c></example>
    public string Describe(RuleCatalogue? catalogue = null)
    {
        var versions = catalogue is null ? "" : string.Join(", ", catalogue.Versions.Select(v => v.Identity.TermsVersion));
        return Origin switch
        {
            RulesOrigin.Bundled => $"rules: bundled terms{(versions.Length == 0 ? "" : " " + versions)} ({Directory})",
            RulesOrigin.CurrentDirectory => $"rules: ./{Folder} (current directory)",
            RulesOrigin.Environment => $"rules: {Directory} ({EnvironmentVariable})",
            _ => $"rules: {Directory}",
        };
    }
}
