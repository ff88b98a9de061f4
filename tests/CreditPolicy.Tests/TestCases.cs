using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy.Tests;

/// <summary>Cases and temporary files shared by tests.</summary>
internal static class TestCases
{
    /// <summary>Reads a case from JSON text, failing the test with every problem when it is invalid.</summary>
    public static CreditCase Read(string json)
    {
        var read = CaseJson.Read(json);
        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Problems));
        return read.Case!;
    }

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
