namespace CreditPolicy.Tests;

/// <summary>Locates the repository's bundled rules and examples from the test output directory.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Rules => Path.Combine(RepositoryRoot, "rules");

    /// <summary>The terms version of the bundled rules in force from 2026-11-24.</summary>
    public const string CurrentVersion = "2026-11-24";

    /// <summary>The bundled illustrative earlier version of the terms.</summary>
    public const string EarlierVersion = "2025-01-01";

    /// <summary>The folder of the bundled current terms (a complete single-version rule directory).</summary>
    public static string CurrentTerms => Version(Rules, CurrentVersion);

    /// <summary>The folder of one version inside a rule directory that holds several.</summary>
    public static string Version(string rules, string termsVersion) => Path.Combine(rules, "versions", termsVersion);

    public static string Examples => Path.Combine(RepositoryRoot, "examples");

    /// <summary>Copies the bundled rules (every version, with their scenarios), or one folder of them, to a fresh temporary directory the caller may edit.</summary>
    public static string CopyRules(string? source = null)
    {
        source ??= Rules;
        var target = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CreditPolicy.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("CreditPolicy.sln not found above " + AppContext.BaseDirectory);
    }
}
