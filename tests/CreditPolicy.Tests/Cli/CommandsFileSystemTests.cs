using System.Diagnostics;
using CreditPolicy.Tests.Rules;

namespace CreditPolicy.Tests.Cli;

/// <summary>The command against hostile rule directories and decision logs: a clear error and exit code 2, never a hang, a stack trace or "internal error".</summary>
public sealed class CommandsFileSystemTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public static TheoryData<string> Hostile => HostileEntries.All();

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Evaluate_HostileEntryInTheRules_ExitsTwoNamingTheEntry(string name)
    {
        var rules = TestPaths.CopyRules();
        if (HostileEntries.Plant(rules, name) is not { } planted) return; // an unreadable file cannot be planted for root

        var (exit, _, err) = await CliRunner.Run("", "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", rules).WaitAsync(Patience);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: The rule set in {rules} did not load", err, StringComparison.Ordinal);
        Assert.Contains("  " + planted.Entry, err, StringComparison.Ordinal);
        Assert.Contains(planted.Says, err, StringComparison.Ordinal);
        AssertNoCrash(err);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Check_HostileEntryInTheRules_ExitsTwoNamingTheEntry(string name)
    {
        var rules = TestPaths.CopyRules();
        if (HostileEntries.Plant(rules, name) is not { } planted) return;

        var (exit, _, err) = await CliRunner.Run("", "check", rules).WaitAsync(Patience);

        Assert.Equal(2, exit);
        Assert.Contains("  " + planted.Entry, err, StringComparison.Ordinal);
        AssertNoCrash(err);
    }

    [Theory]
    [InlineData("/dev/zero", "is a character device, not a folder")]
    [InlineData("fifo", "is a FIFO (named pipe), not a folder")]
    public async Task Evaluate_RulesDirectoryIsNotAFolder_ExitsTwoSayingWhatItIs(string target, string says)
    {
        var rules = Path.Combine(TestCases.TempDirectory(), "rules");
        if (target == "fifo")
        {
            using var mkfifo = Process.Start("mkfifo", rules);
            await mkfifo.WaitForExitAsync();
        }
        else
        {
            File.CreateSymbolicLink(rules, target);
        }

        var (exit, _, err) = await CliRunner.Run("", "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", rules).WaitAsync(Patience);

        Assert.Equal(2, exit);
        Assert.Equal($"error: rules: {rules}: the rule directory {says} (named on the command line); pass --rules DIR with a rule directory, or set CREDITPOLICY_RULES\n", err);
        AssertNoCrash(err);
    }

    [Fact]
    public async Task Check_HostileEntryInOneVersionOfSeveral_ExitsTwoNamingTheVersionFolder()
    {
        var rules = TestPaths.CopyRules(TestPaths.VersionedRules);
        var planted = HostileEntries.Plant(rules, "link-to-dev-zero", HostileEntries.VersionFolder)!;

        var (exit, output, err) = await CliRunner.Run("", "check", rules).WaitAsync(Patience);

        Assert.Equal((2, ""), (exit, output));
        Assert.Contains($"  {HostileEntries.VersionFolder}/zz.json: ", err, StringComparison.Ordinal);
        Assert.Contains(planted.Says, err, StringComparison.Ordinal);
        AssertNoCrash(err);
    }

    [Fact]
    public async Task Evaluate_LogIsAFifo_ExitsTwoAtOnce()
    {
        var log = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        using (var mkfifo = Process.Start("mkfifo", log)) await mkfifo.WaitForExitAsync();

        var (exit, output, err) = await CliRunner.Run("", "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", TestPaths.Rules, "--log", log).WaitAsync(Patience);

        Assert.Equal((2, ""), (exit, output));
        Assert.Equal($"error: cannot open the decision log {log} for appending: it is a FIFO (named pipe), not a regular file\n", err);
    }

    [Fact]
    public async Task Evaluate_LogOnAFullDisk_ExitsTwoAndPrintsNoDecision()
    {
        var mount = TestCases.TempDirectory();
        if (!Mount(mount)) return; // a tiny file system needs root, as the tests have here
        try
        {
            var log = Path.Combine(mount, "decisions.ndjson");
            File.WriteAllBytes(Path.Combine(mount, "filler"), new byte[64 << 10]);

            var (exit, output, err) = await CliRunner.Run("", "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", TestPaths.Rules, "--log", log).WaitAsync(Patience);

            Assert.Equal((2, ""), (exit, output));
            Assert.StartsWith($"error: The decision log {log} could not be written, so the decision is not returned: No space left on device", err, StringComparison.Ordinal);
            Assert.Equal(0, new FileInfo(log).Length);
            AssertNoCrash(err);
        }
        finally
        {
            using var umount = Process.Start("umount", mount);
            await umount.WaitForExitAsync();
        }
    }

    private static bool Mount(string folder)
    {
        using var mount = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", folder]) { RedirectStandardError = true })!;
        mount.StandardError.ReadToEnd();
        mount.WaitForExit();
        return mount.ExitCode == 0;
    }

    private static void AssertNoCrash(string err)
    {
        Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", err, StringComparison.Ordinal);
    }
}
