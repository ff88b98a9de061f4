using System.Diagnostics;
using CreditPolicy.FileSystem;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Scenarios;
using CreditPolicy.Schemas;

namespace CreditPolicy.Tests.Rules;

/// <summary>Reading a rule directory: only regular files, within limits, links only inside; every refusal names the entry.</summary>
public sealed class RuleDirectorySnapshotTests
{
    /// <summary>Generous: a hang shows as this timeout rather than a test run that never ends.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly Lazy<RuleSetIdentity> Bundled = new(() => RuleCatalogue.Load(TestPaths.Rules).Identity);

    public static TheoryData<string> Hostile => HostileEntries.All();

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Load_HostileEntry_RefusesItNamingTheEntryWithoutHanging(string name)
    {
        var rules = TestPaths.CopyRules();
        if (HostileEntries.Plant(rules, name) is not { } planted) return; // an unreadable file cannot be planted for root

        var ex = await Task.Run(() => Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(rules))).WaitAsync(Patience);

        Assert.Contains(ex.Problems, p => p.File.StartsWith(planted.Entry, StringComparison.Ordinal) && p.Message.Contains(planted.Says, StringComparison.Ordinal));
        Assert.All(ex.Problems, p => Assert.StartsWith(planted.Entry, p.File, StringComparison.Ordinal));
    }

    public static TheoryData<string> HostileInAVersion => new(["fifo", "link-to-dev-zero", "link-outside", "folder-link-to-ancestor", "too-deep"]);

    [Theory]
    [MemberData(nameof(HostileInAVersion))]
    public async Task Load_HostileEntryInOneVersionOfSeveral_RefusesItNamingTheVersionFolder(string name)
    {
        var rules = TestPaths.CopyRules(TestPaths.VersionedRules);
        var planted = HostileEntries.Plant(rules, name, HostileEntries.VersionFolder)!;

        var ex = await Task.Run(() => Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(rules))).WaitAsync(Patience);

        Assert.StartsWith(HostileEntries.VersionFolder + "/", planted.Entry, StringComparison.Ordinal);
        Assert.Contains(ex.Problems, p => p.File.StartsWith(planted.Entry, StringComparison.Ordinal) && p.Message.Contains(planted.Says, StringComparison.Ordinal));
        Assert.All(ex.Problems, p => Assert.StartsWith(planted.Entry, p.File, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task ValidateDirectory_HostileEntry_ReturnsWithoutHanging(string name)
    {
        var rules = TestPaths.CopyRules();
        if (HostileEntries.Plant(rules, name) is null) return;

        // The schema check has nothing to validate in a refused entry; what matters is that it returns.
        var problems = await Task.Run(() => RuleSchemas.ValidateDirectory(rules)).WaitAsync(Patience);

        Assert.DoesNotContain(problems, p => p.Message.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_EightGibSparseFile_ReadsLittleMoreThanTheLimitQuickly()
    {
        var rules = TestPaths.CopyRules();
        var planted = HostileEntries.Plant(rules, "sparse-8-gib-file")!;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();

        var tree = RuleDirectorySnapshot.Read(rules);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Contains(tree.Problems, p => p.File == planted.Entry && p.Message.StartsWith("is larger than 1 MiB", StringComparison.Ordinal));
        Assert.True(allocated < 64L << 20, $"reading allocated {allocated} bytes");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"reading took {watch.Elapsed}");
    }

    [Fact]
    public void TryReadAll_DevZeroAndDevUrandom_RefusedAsDevicesWithoutReading()
    {
        Assert.False(RegularFile.TryReadAll("/dev/zero", 1 << 20, out _, out var zero));
        Assert.False(RegularFile.TryReadAll("/dev/urandom", 1 << 20, out _, out var urandom));

        Assert.Equal("is a character device, not a regular file; only regular files are read", zero);
        Assert.Equal(zero, urandom);
    }

    [Fact]
    public async Task TryReadAll_FifoWithoutAWriter_ReturnsAtOnceRefusingIt()
    {
        var fifo = Path.Combine(TestCases.TempDirectory(), "pipe.json");
        using (var mkfifo = Process.Start("mkfifo", fifo)) await mkfifo.WaitForExitAsync();

        var (read, problem) = await Task.Run(() => (RegularFile.TryReadAll(fifo, 1 << 20, out _, out var p), p)).WaitAsync(Patience);

        Assert.False(read);
        Assert.Equal("is a FIFO (named pipe), not a regular file; only regular files are read", problem);
    }

    [Fact]
    public void Load_LinksThatStayInsideTheDirectory_AreFollowedAndDigestedAsTheirContent()
    {
        var rules = TestPaths.CopyRules();
        Directory.CreateDirectory(Path.Combine(rules, "shared"));
        File.Move(Path.Combine(rules, "use.json"), Path.Combine(rules, "shared", "use.json"));
        File.CreateSymbolicLink(Path.Combine(rules, "use.json"), "shared/use.json");
        Directory.Move(Path.Combine(rules, "tests"), Path.Combine(rules, "shared", "tests"));
        Directory.CreateSymbolicLink(Path.Combine(rules, "tests"), "shared/tests");

        var catalogue = RuleCatalogue.Load(rules);

        Assert.Equal(Bundled.Value, catalogue.Identity);
        Assert.True(ScenarioRunner.Check(catalogue).Succeeded);
    }

    [Fact]
    public void Load_VersionsSharingFilesThroughLinksInside_AreFollowedAndDigestedAsTheirContent()
    {
        // How an author keeps one copy of what two versions share: links between the version folders.
        // The later version's vocabulary is first made the same bytes as the earlier one's, then replaced by a link to it.
        var rules = TestPaths.CopyRules(TestPaths.VersionedRules);
        var later = TestPaths.Version(rules, TestPaths.LaterVersion);
        File.Copy(Path.Combine(rules, HostileEntries.VersionFolder, "vocabulary.json"), Path.Combine(later, "vocabulary.json"), overwrite: true);
        var before = RuleCatalogue.Load(rules).Identity;
        File.Delete(Path.Combine(later, "vocabulary.json"));
        File.CreateSymbolicLink(Path.Combine(later, "vocabulary.json"), $"../{TestPaths.CurrentVersion}/vocabulary.json");

        var catalogue = RuleCatalogue.Load(rules);

        Assert.Equal(before, catalogue.Identity);
        Assert.True(ScenarioRunner.Check(catalogue).Succeeded);
    }

    [Fact]
    public void Load_TheDirectoryItselfIsALink_LoadsWhereTheLinkPoints()
    {
        var rules = TestPaths.CopyRules();
        var current = Path.Combine(TestCases.TempDirectory(), "current");
        Directory.CreateSymbolicLink(current, rules);

        var catalogue = RuleCatalogue.Load(current);

        Assert.Equal(Bundled.Value, catalogue.Identity);
        Assert.Equal(current, catalogue.Directory);
    }

    [Fact]
    public void Load_HiddenEntriesAndNonJsonSpecialFiles_AreNeverOpened()
    {
        var rules = TestPaths.CopyRules();

        // What editors and tools leave: an Emacs lock (a dangling link), a .git folder, a FIFO that is not a rule file.
        File.CreateSymbolicLink(Path.Combine(rules, ".#use.json"), "root@host.1234:1700000000");
        Directory.CreateDirectory(Path.Combine(rules, ".git"));
        File.CreateSymbolicLink(Path.Combine(rules, ".git", "zero.json"), "/dev/zero");
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(rules, "notes.fifo"))) mkfifo.WaitForExit();
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(rules, "tests", "deny", ".#zz.json"))) mkfifo.WaitForExit();

        var catalogue = RuleCatalogue.Load(rules);

        Assert.Equal(Bundled.Value, catalogue.Identity);
    }

    [Fact]
    public void Fingerprint_SameContentElsewhere_IsTheSameAndAnyByteChangesIt()
    {
        var one = TestPaths.CopyRules();
        var two = TestPaths.CopyRules();

        var first = RuleDirectorySnapshot.Read(one).Fingerprint;
        Assert.Equal(first, RuleDirectorySnapshot.Read(two).Fingerprint);

        File.AppendAllText(Path.Combine(two, "use.json"), " ");
        Assert.NotEqual(first, RuleDirectorySnapshot.Read(two).Fingerprint);
    }

    [Fact]
    public void Read_SmallerLimits_RefuseTheFileThatCrossesThemAndStop()
    {
        var rules = TestPaths.CopyRules();

        var tree = RuleDirectorySnapshot.Read(rules, RuleDirectoryLimits.Default with { MaxTotalBytes = 20_000 });

        var problem = Assert.Single(tree.Problems);
        Assert.EndsWith("takes the rule directory's JSON files past 20000 bytes together, the most it may hold; nothing more was read", problem.Message);
        Assert.True(tree.FilesUnder("").Sum(f => tree.Bytes(f).Length) <= 20_000);
    }

    [Fact]
    public void Discover_FifoAmongTheScenarios_IsAnUnreadableResultNamingIt()
    {
        var rules = TestPaths.CopyRules(TestPaths.CurrentTerms);
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(rules, "tests", "deny", "zz.json"))) mkfifo.WaitForExit();

        var (scenarios, unreadable) = ScenarioRunner.Discover(Path.Combine(rules, "tests"));

        Assert.NotEmpty(scenarios);
        var result = Assert.Single(unreadable);
        Assert.Equal("deny/zz.json", result.File);
        Assert.Equal(["is a FIFO (named pipe), not a regular file; only regular files are read"], result.Failures);
    }

    [Fact]
    public void Load_MissingDirectory_SaysSoAsBefore()
    {
        var missing = Path.Combine(TestCases.TempDirectory(), "nothing-here");

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleCatalogue.Load(missing));

        Assert.Equal("the rule directory does not exist", Assert.Single(ex.Problems).Message);
    }
}
