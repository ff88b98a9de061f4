namespace CreditPolicy.Tests;

/// <summary>Locates the repository's bundled rules and examples from the test output directory.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Rules => Path.Combine(RepositoryRoot, "rules");

    public static string Examples => Path.Combine(RepositoryRoot, "examples");

    /// <summary>Copies the bundled rules (with their scenarios) to a fresh temporary directory the caller may edit.</summary>
    public static string CopyRules()
    {
        var target = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.GetFiles(Rules, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Rules, file));
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
