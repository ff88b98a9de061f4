using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy.Tests;

/// <summary>Cases and temporary files shared by tests.</summary>
internal static class TestCases
{
    /// <summary>Reads a case from JSON text against a catalogue's vocabulary (the bundled terms by default), failing the test with every problem when it is invalid.</summary>
    public static CreditCase Read(string json, RuleCatalogue? catalogue = null)
    {
        var read = (catalogue ?? BundledRules.Catalogue).ReadCase(json);
        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Problems));
        return read.Case!;
    }

    /// <summary>Reads a case against the bundled terms' vocabulary and returns every problem (none when it is valid).</summary>
    public static IReadOnlyList<CaseProblem> Problems(string json, RuleCatalogue? catalogue = null) =>
        (catalogue ?? BundledRules.Catalogue).ReadCase(json).Problems;

    /// <summary>Reads one of the files under examples/.</summary>
    public static CreditCase Example(string name) => Read(File.ReadAllText(Path.Combine(TestPaths.Examples, name)));

    /// <summary>Writes text to a fresh temporary file and returns its path.</summary>
    public static string TempFile(string contents, string extension = ".json")
    {
        var dir = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "file" + extension);
        File.WriteAllText(path, contents);
        return path;
    }

    /// <summary>A fresh temporary directory.</summary>
    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
