namespace CreditPolicy.Tests;

/// <summary>Locates the repository's bundled rules and examples from the test output directory.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The bundled terms as written: one version (<see cref="CurrentVersion"/>) without an effectiveFrom, so in force at every instant.</summary>
    public static string Rules => Path.Combine(RepositoryRoot, "rules");

    /// <summary>The terms version of the bundled rules.</summary>
    public const string CurrentVersion = "2026-11-24";

    /// <summary>The bundled terms (a complete single-version rule directory); the same folder as <see cref="Rules"/>.</summary>
    public static string CurrentTerms => Rules;

    /// <summary>The example of the versioning mechanism: <c>versions/2026-11-24/</c> (the bundled terms, effective 2026-11-24T00:00:00Z),
    /// <c>versions/2027-07-01/</c> (an illustration, effective 2027-07-01T00:00:00Z) and scenarios across the two in <c>tests/</c>.</summary>
    public static string VersionedRules => Path.Combine(Examples, "versioned-rules");

    /// <summary>The illustrative later version in <see cref="VersionedRules"/>: Promotional Credits without an indicated expiry last six calendar months.</summary>
    public const string LaterVersion = "2027-07-01";

    /// <summary>The folder of one version inside a rule directory that holds several.</summary>
    public static string Version(string rules, string termsVersion) => Path.Combine(rules, "versions", termsVersion);

    public static string Examples => Path.Combine(RepositoryRoot, "examples");

    /// <summary>Copies the bundled rules (with their scenarios), or another rule directory such as <see cref="VersionedRules"/>, to a fresh temporary directory the caller may edit.</summary>
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
