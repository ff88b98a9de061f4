using System.Diagnostics;

namespace CreditPolicy.Tests.Rules;

/// <summary>Entries planted in a rule directory that must be refused, never read: each one hung, exhausted or misled a reader once.</summary>
internal static class HostileEntries
{
    /// <summary>The folder of the current version in a copy of <see cref="TestPaths.VersionedRules"/>, relative to it: where <see cref="Plant"/> puts entries when told to.</summary>
    public const string VersionFolder = "versions/" + TestPaths.CurrentVersion;

    /// <summary>Every kind of entry <see cref="Plant"/> knows.</summary>
    public static readonly string[] Names =
    [
        "fifo", "link-to-dev-zero", "link-to-dev-urandom", "character-device", "huge-file", "sparse-8-gib-file",
        "link-outside", "dangling-link", "link-loop", "folder-link-to-ancestor", "folder-named-json",
        "unreadable-file", "too-many-entries", "too-deep", "too-much-in-total",
    ];

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names) data.Add(name);
        return data;
    }

    /// <summary>Whether the tests run as root, for whom permission bits do not stop a read.</summary>
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>
    /// Plants the named entry in a copy of a rule directory: beside the rule files of a single-version copy of the bundled
    /// rules (<paramref name="folder"/> empty), or in a folder inside it such as <see cref="VersionFolder"/> of a copy of
    /// <see cref="TestPaths.VersionedRules"/>. The folder must hold <c>use.json</c> and <c>tests/deny/</c>.
    /// Returns the path the refusal must name (relative to the rule directory, or its start), words the refusal must say,
    /// and how to take it away; null when the entry cannot be planted here (an unreadable file, when running as root).
    /// </summary>
    public static Planted? Plant(string rules, string name, string folder = "")
    {
        var inside = Path.Combine(rules, folder);
        Assert.True(File.Exists(Path.Combine(inside, "use.json")), $"{inside} holds no rule files to plant {name} beside");
        var prefix = folder.Length == 0 ? "" : folder.TrimEnd('/') + "/";
        string At(string relative) => Path.Combine(inside, relative);
        switch (name)
        {
            case "fifo":
                Run("mkfifo", At("zz.json"));
                return new($"{prefix}zz.json", "is a FIFO (named pipe), not a regular file", () => File.Delete(At("zz.json")));
            case "link-to-dev-zero":
                File.CreateSymbolicLink(At("zz.json"), "/dev/zero");
                return new($"{prefix}zz.json", "is a symbolic link to /dev/zero, outside the rule directory", () => File.Delete(At("zz.json")));
            case "link-to-dev-urandom":
                File.CreateSymbolicLink(At("zz.json"), "/dev/urandom");
                return new($"{prefix}zz.json", "is a symbolic link to /dev/urandom, outside the rule directory", () => File.Delete(At("zz.json")));
            case "character-device":
                // A device node inside the directory: only its kind can refuse it (mknod needs root, as the tests have here).
                Run("mknod", At("zz.json"), "c", "1", "5");
                return new($"{prefix}zz.json", "is a character device, not a regular file", () => File.Delete(At("zz.json")));
            case "huge-file":
                File.WriteAllText(At("zz.json"), "[" + new string(' ', 2 << 20) + "]");
                return new($"{prefix}zz.json", "is larger than 1 MiB, the most one file may hold", () => File.Delete(At("zz.json")));
            case "sparse-8-gib-file":
                using (var sparse = new FileStream(At("zz.json"), FileMode.CreateNew)) sparse.SetLength(8L << 30);
                return new($"{prefix}zz.json", "is larger than 1 MiB", () => File.Delete(At("zz.json")));
            case "link-outside":
                File.CreateSymbolicLink(At("zz.json"), Path.Combine(TestPaths.CurrentTerms, "use.json"));
                return new($"{prefix}zz.json", "outside the rule directory; links may point only inside it", () => File.Delete(At("zz.json")));
            case "dangling-link":
                File.CreateSymbolicLink(At("zz.json"), "no-such-file.json");
                return new($"{prefix}zz.json", "is a symbolic link to no-such-file.json, which does not exist", () => File.Delete(At("zz.json")));
            case "link-loop":
                File.CreateSymbolicLink(At("zz.json"), "zz-other.json");
                File.CreateSymbolicLink(At("zz-other.json"), "zz.json");
                return new($"{prefix}zz", "the links loop", () =>
                {
                    File.Delete(At("zz.json"));
                    File.Delete(At("zz-other.json"));
                });
            case "folder-link-to-ancestor":
                Directory.CreateSymbolicLink(At(Path.Combine("tests", "deny", "again")), "../..");
                return new($"{prefix}tests/deny/again", "is a symbolic link to a folder that contains it: a loop", () => File.Delete(At(Path.Combine("tests", "deny", "again"))));
            case "folder-named-json":
                Directory.CreateDirectory(At("zz.json"));
                return new($"{prefix}zz.json", "is a folder, but a name ending in .json is read as a file", () => Directory.Delete(At("zz.json")));
            case "unreadable-file":
                if (IsRoot || OperatingSystem.IsWindows()) return null;
                File.Copy(At("use.json"), At("zz.json"));
                File.SetUnixFileMode(At("zz.json"), UnixFileMode.None);
                return new($"{prefix}zz.json", "cannot be read", () => File.Delete(At("zz.json")));
            case "too-many-entries":
                var junk = At("junk");
                Directory.CreateDirectory(junk);
                for (var i = 0; i <= 10_000; i++) File.WriteAllBytes(Path.Combine(junk, $"{i}.txt"), []);
                return new($"{prefix}junk/", "holds more than 10000 files and folders, the most it may hold", () => Directory.Delete(junk, recursive: true));
            case "too-deep":
                var deep = At(string.Join('/', Enumerable.Repeat("d", 40)));
                Directory.CreateDirectory(deep);
                return new($"{prefix}d/d/", "is nested deeper than 32 folders", () => Directory.Delete(At("d"), recursive: true));
            case "too-much-in-total":
                var bulk = At(Path.Combine("tests", "bulk"));
                Directory.CreateDirectory(bulk);
                var filler = "[" + new string(' ', 1_000_000) + "]";
                for (var i = 10; i < 27; i++) File.WriteAllText(Path.Combine(bulk, $"{i}.json"), filler);
                return new($"{prefix}tests/bulk/", "past 16 MiB together, the most it may hold", () => Directory.Delete(bulk, recursive: true));
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such hostile entry");
        }
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} failed: {error}");
    }

    /// <summary>A planted entry: where the refusal must point, what it must say, and how to remove it.</summary>
    internal sealed record Planted(string Entry, string Says, Action Remove);
}
