using System.Diagnostics;
using System.Text;
using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Records;
using CreditPolicy.Rules;
using CreditPolicy.Scenarios;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Records;

public sealed class NdjsonDecisionLogTests
{
    /// <summary>The case of every bundled scenario that is a valid case.</summary>
    private static IReadOnlyList<CreditCase> ScenarioCases() => ScenarioCases(TestPaths.CurrentTerms, BundledRules.Catalogue);

    private static IReadOnlyList<CreditCase> ScenarioCases(string root, RuleCatalogue catalogue)
    {
        var (scenarios, _) = ScenarioRunner.Discover(Path.Combine(root, ScenarioRunner.TestsFolder));
        return scenarios.Select(s => catalogue.ReadCase(s.Case.Span)).Where(r => r.IsValid).Select(r => r.Case!).ToArray();
    }

    [Fact]
    public void Write_EveryBundledScenario_OneValidJsonLinePerDecision()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var cases = ScenarioCases();
        using (var log = new NdjsonDecisionLog(path))
        {
            var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
            foreach (var c in cases) engine.Decide(c);
        }

        var lines = File.ReadAllText(path).Split('\n');
        Assert.Equal("", lines[^1]);
        Assert.Equal(cases.Count, lines.Length - 1);
        foreach (var line in lines[..^1])
        {
            var o = JObject.Parse(line);
            Assert.Equal(["case", "decision"], o.Properties().Select(p => p.Name));
            Assert.StartsWith("dec_", (string?)o["decision"]!["record"]!["id"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_LogOfEveryBundledScenario_ReEvaluatesToTheSameBytes()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        using (var log = new NdjsonDecisionLog(path))
        {
            var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
            foreach (var c in ScenarioCases()) engine.Decide(c);
        }

        // Replayed by another process: the rules loaded afresh, the cases read back from the log against them.
        var replay = new CreditPolicyEngine(RuleCatalogue.Load(TestPaths.CurrentTerms));
        using var reader = File.OpenText(path);
        var entries = NdjsonDecisionLog.Read(reader, replay.Catalogue).ToArray();

        Assert.Equal(ScenarioCases().Count, entries.Length);
        Assert.Equal(ScenarioCases().Select(CanonicalCase.Serialize), entries.Select(e => CanonicalCase.Serialize(e.Case)));
        foreach (var entry in entries)
        {
            Assert.Equal(entry.Decision, DecisionJson.Serialize(replay.Decide(entry.Case), indented: false));
        }
    }

    [Fact]
    public void Write_ExistingFile_Appends()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var @case = TestCases.Example("use.json");
        for (var run = 0; run < 2; run++)
        {
            using var log = new NdjsonDecisionLog(path);
            new CreditPolicyEngine(BundledRules.RuleSet, log).Decide(@case);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Equal(lines[0], lines[1]);
    }

    [Fact]
    public void Write_FromSeveralThreadsAtOnce_WritesWholeLines()
    {
        const int threads = 8;
        const int perThread = 250;
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var cases = ScenarioCases();
        using (var log = new NdjsonDecisionLog(path))
        {
            var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < perThread; i++) engine.Decide(cases[(t * perThread + i) % cases.Count]);
            })).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
        }

        using var reader = File.OpenText(path);
        var entries = NdjsonDecisionLog.Read(reader, BundledRules.Catalogue).ToArray();
        Assert.Equal(threads * perThread, entries.Length);
        var expected = cases.Select(c => NdjsonDecisionLog.Line(c, new CreditPolicyEngine(BundledRules.RuleSet).Decide(c))).ToHashSet(StringComparer.Ordinal);
        Assert.All(File.ReadAllLines(path), line => Assert.Contains(line, expected));
    }

    [Fact]
    public void Read_LineThatIsNotALogLine_ThrowsNamingTheLine()
    {
        var log = NdjsonDecisionLog.Line(TestCases.Example("use.json"), new CreditPolicyEngine(BundledRules.RuleSet).Decide(TestCases.Example("use.json")))
            + "\n\n{\"case\": 5}\n";

        var ex = Assert.Throws<InvalidDataException>(() => NdjsonDecisionLog.Read(new StringReader(log), BundledRules.Catalogue).ToArray());

        Assert.Equal("decision log line 3: expected {\"case\":…,\"decision\":{…}} as the log writes it", ex.Message);
    }

    [Fact]
    public void Read_LineWhoseCaseTheRulesVocabularyRefuses_ThrowsOrReportsItNamingTheField()
    {
        // A log written under other terms (here, with an attribute the bundled vocabulary lacks) is not read as if it were these.
        var line = UseLine().Replace("\"status\":\"open\",", "\"status\":\"open\",\"tier\":\"gold\",", StringComparison.Ordinal);
        var skipped = new List<DecisionLogProblem>();

        var ex = Assert.Throws<InvalidDataException>(() => NdjsonDecisionLog.Read(new StringReader(line + "\n"), BundledRules.Catalogue).ToArray());
        var entries = NdjsonDecisionLog.Read(new StringReader(line + "\n" + UseLine() + "\n"), BundledRules.Catalogue, skipped.Add).ToArray();

        Assert.StartsWith("decision log line 1: case: account.tier (line 1, column ", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("): unknown field; expected one of id, status, closedAt, timeZone, balanceMaintenance, termsVersion", ex.Message, StringComparison.Ordinal);
        Assert.Equal([2], entries.Select(e => e.Line));
        Assert.Equal(1, Assert.Single(skipped).Line);
    }

    [Fact]
    public void Line_AnyCase_IsTheCanonicalCaseAndTheDecisionOnOneLine()
    {
        var @case = TestCases.Read(File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json")).Replace("\"g1\"", "\"g3\"", StringComparison.Ordinal));
        var decision = BundledRules.Engine.Decide(@case);

        var line = NdjsonDecisionLog.Line(@case, decision);

        Assert.Equal($"{{\"case\":{CanonicalCase.Serialize(@case)},\"decision\":{DecisionJson.Serialize(decision, indented: false)}}}", line);
        Assert.DoesNotContain('\n', line);
        var entry = Assert.Single(NdjsonDecisionLog.Read(new StringReader(line), BundledRules.Catalogue));
        Assert.Equal(["g2", "g3"], entry.Case.Grants.Select(g => g.Id));
    }

    [Fact]
    public void Read_LogOfEveryScenarioAcrossVersions_ReplaysUnderTheSameTermsToTheSameBytes()
    {
        var catalogue = RuleCatalogue.Load(TestPaths.VersionedRules);
        var cases = ScenarioCases(TestPaths.VersionedRules, catalogue);
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var decisions = new List<Decision>();
        using (var log = new NdjsonDecisionLog(path))
        {
            var engine = new CreditPolicyEngine(catalogue, log);
            foreach (var c in cases) decisions.Add(engine.Decide(c));
        }

        var replay = new CreditPolicyEngine(RuleCatalogue.Load(TestPaths.VersionedRules));
        using var reader = File.OpenText(path);
        var entries = NdjsonDecisionLog.Read(reader, replay.Catalogue).ToArray();

        Assert.Equal(cases.Count, entries.Length);
        Assert.Contains(decisions, d => d.Rules.TermsVersion == TestPaths.CurrentVersion);
        Assert.Contains(decisions, d => d.Rules.TermsVersion == TestPaths.LaterVersion);
        for (var i = 0; i < entries.Length; i++)
        {
            var again = replay.Decide(entries[i].Case);
            Assert.Equal(DecisionJson.Serialize(decisions[i], indented: false), entries[i].Decision);
            Assert.Equal(entries[i].Decision, DecisionJson.Serialize(again, indented: false));
        }
    }

    [Fact]
    public void Read_PinnedCaseLoggedAndReplayed_DecidedUnderItsPinnedTermsWithItsOwnDigest()
    {
        // Issue 10: the pin (account.termsVersion) is part of the case. A case pinned to the earlier terms, decided after the
        // later ones took effect, must be replayed under the earlier terms, and must not share a digest with the unpinned case.
        var catalogue = RuleCatalogue.Load(TestPaths.VersionedRules);
        var builder = new CaseBuilder(catalogue).AsOf("2027-07-02T12:00:00Z").Promotional("g-promo", 20m, "2026-12-15T00:00:00Z");
        var unpinned = builder.Use(10m);
        var pinned = builder.PinnedTo(TestPaths.CurrentVersion).Use(10m);
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        Decision pinnedDecision, unpinnedDecision;
        using (var log = new NdjsonDecisionLog(path))
        {
            var engine = new CreditPolicyEngine(catalogue, log);
            pinnedDecision = engine.Decide(pinned);
            unpinnedDecision = engine.Decide(unpinned);
        }

        var replay = new CreditPolicyEngine(RuleCatalogue.Load(TestPaths.VersionedRules));
        using var reader = File.OpenText(path);
        var entries = NdjsonDecisionLog.Read(reader, replay.Catalogue).ToArray();
        var replayedPinned = replay.Decide(entries[0].Case);
        var replayedUnpinned = replay.Decide(entries[1].Case);

        Assert.Equal(TestPaths.CurrentVersion, entries[0].Case.Account.TermsVersion);
        Assert.Null(entries[1].Case.Account.TermsVersion);
        Assert.Equal((Outcome.Permit, TestPaths.CurrentVersion), (pinnedDecision.Outcome, pinnedDecision.Rules.TermsVersion));
        Assert.Equal((Outcome.Deny, TestPaths.LaterVersion), (unpinnedDecision.Outcome, unpinnedDecision.Rules.TermsVersion));
        Assert.Equal(entries[0].Decision, DecisionJson.Serialize(replayedPinned, indented: false));
        Assert.Equal(entries[1].Decision, DecisionJson.Serialize(replayedUnpinned, indented: false));
        Assert.Equal(TestPaths.CurrentVersion, replayedPinned.Rules.TermsVersion);
        Assert.NotEqual(pinnedDecision.Record!.CaseDigest, unpinnedDecision.Record!.CaseDigest);
        Assert.Equal(pinnedDecision.Record.CaseDigest, replayedPinned.Record!.CaseDigest);
    }

    [Fact]
    public void Write_AfterDispose_Throws()
    {
        var log = new NdjsonDecisionLog(Path.Combine(TestCases.TempDirectory(), "decisions.ndjson"));
        log.Dispose();

        Assert.Throws<ObjectDisposedException>(() => log.Write(TestCases.Example("use.json"), new CreditPolicyEngine(BundledRules.RuleSet).Decide(TestCases.Example("use.json"))));
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static string UseLine() =>
        NdjsonDecisionLog.Line(TestCases.Example("use.json"), new CreditPolicyEngine(BundledRules.RuleSet).Decide(TestCases.Example("use.json")));

    private static (DecisionLogEntry[] Entries, DecisionLogProblem[] Skipped) ReadAll(string path)
    {
        var skipped = new List<DecisionLogProblem>();
        using var reader = File.OpenText(path);
        var entries = NdjsonDecisionLog.Read(reader, BundledRules.Catalogue, skipped.Add).ToArray();
        return (entries, skipped.ToArray());
    }

    [Fact]
    public void Write_FileEndsInTheMiddleOfALine_StartsOnAFreshLineAndTheTornLineIsReported()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        var line = UseLine();

        // What a process killed in the middle of a write leaves behind.
        File.WriteAllText(path, line + "\n" + line[..(line.Length / 3)]);
        using (var log = new NdjsonDecisionLog(path)) new CreditPolicyEngine(BundledRules.RuleSet, log).Decide(TestCases.Example("use.json"));

        Assert.Equal(line + "\n" + line[..(line.Length / 3)] + "\n" + line + "\n", File.ReadAllText(path));
        var (entries, skipped) = ReadAll(path);
        Assert.Equal([1, 3], entries.Select(e => e.Line));
        var torn = Assert.Single(skipped);
        Assert.Equal(2, torn.Line);
        Assert.StartsWith("decision log line 2: not valid JSON (an unfinished line?)", torn.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WithAHandler_SkipsAndReportsEveryLineThatIsNotAnEntryAndReadsTheRest()
    {
        var line = UseLine();
        var text = $"{line}\n{{\"case\": 5}}\nnot json at all\n\n{line}\n";
        var skipped = new List<DecisionLogProblem>();

        var entries = NdjsonDecisionLog.Read(new StringReader(text), BundledRules.Catalogue, skipped.Add).ToArray();

        Assert.Equal([1, 5], entries.Select(e => e.Line));
        Assert.Equal([2, 3], skipped.Select(p => p.Line));
        Assert.Equal("expected {\"case\":…,\"decision\":{…}} as the log writes it", skipped[0].Message);
        Assert.StartsWith("not valid JSON (an unfinished line?): ", skipped[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TornLineWithTheNextEntryAppendedByAnEarlierVersion_ReadsTheEntryAndReportsTheTornStart()
    {
        // Before fresh-line starts, the next process appended straight onto the unfinished line.
        var line = UseLine();
        var torn = line[..(line.Length / 2)];
        var skipped = new List<DecisionLogProblem>();

        var entries = NdjsonDecisionLog.Read(new StringReader($"{line}\n{torn}{line}\n{line}\n"), BundledRules.Catalogue, skipped.Add).ToArray();

        Assert.Equal([1, 2, 3], entries.Select(e => e.Line));
        Assert.All(entries, e => Assert.Equal(entries[0].Decision, e.Decision));
        var problem = Assert.Single(skipped);
        Assert.Equal($"decision log line 2: the first {torn.Length} characters are an unfinished line (a write cut short, for example by a crash) and were skipped; the entry after them was read", problem.ToString());
        Assert.Throws<InvalidDataException>(() => NdjsonDecisionLog.Read(new StringReader($"{torn}{line}\n"), BundledRules.Catalogue).ToArray());
    }

    [Fact]
    public async Task Write_CommandKilledWithSigkillAgainAndAgain_EveryLaterProcessStartsOnAFreshLine()
    {
        var folder = TestCases.TempDirectory();
        var path = Path.Combine(folder, "decisions.ndjson");
        var cli = Path.Combine(AppContext.BaseDirectory, "CreditPolicy.Cli.dll");
        var random = new Random(8);
        var completed = 0;
        for (var run = 0; run < 6; run++)
        {
            // Killed at a point somewhere between start-up and exit; between runs, a torn tail as a write cut short leaves.
            using var process = Start(cli, path);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(300, 3000)));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                completed++;
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            if (run % 2 == 1) File.AppendAllText(path, UseLine()[..(100 * run)]);
        }

        using (var last = Start(cli, path)) await last.WaitForExitAsync().WaitAsync(Patience);

        var (entries, skipped) = ReadAll(path);
        Assert.True(entries.Length >= completed + 1, $"{entries.Length} entries for {completed + 1} completed runs");
        // Three torn tails (run together when no run wrote between them), and whatever a kill tore.
        Assert.InRange(skipped.Length, 1, 6);
        Assert.All(skipped, p => Assert.StartsWith("not valid JSON", p.Message, StringComparison.Ordinal));
        Assert.Equal(File.ReadAllLines(path).Length, entries.Length + skipped.Length);
        Assert.EndsWith("\n", File.ReadAllText(path), StringComparison.Ordinal);

        static Process Start(string cli, string log)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [cli, "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", TestPaths.Rules, "--log", log, "--compact"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }
    }

    [Fact]
    public void Write_DiskFull_ThrowsLeavesNoPartOfTheLineAndNothingAppearsWhenSpaceReturns()
    {
        var mount = TestCases.TempDirectory();
        if (!Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount)) return; // a tiny file system needs root, as the tests have here
        try
        {
            var filler = Path.Combine(mount, "filler");
            File.WriteAllBytes(filler, new byte[16 << 10]);
            var path = Path.Combine(mount, "decisions.ndjson");
            var @case = TestCases.Example("use.json");
            var log = new NdjsonDecisionLog(path);
            var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
            var returned = 0;
            IOException? full = null;
            for (var i = 0; i < 10_000 && full is null; i++)
            {
                try
                {
                    engine.Decide(@case);
                    returned++;
                }
                catch (IOException ex)
                {
                    full = ex;
                }
            }

            Assert.NotNull(full);
            Assert.Contains("No space left on device", full.Message, StringComparison.Ordinal);
            Assert.Equal(returned, File.ReadAllLines(path).Length);
            Assert.EndsWith("\n", File.ReadAllText(path), StringComparison.Ordinal);
            Assert.Throws<IOException>(() => engine.Decide(@case));

            File.Delete(filler);
            engine.Decide(@case);
            returned++;
            log.Dispose();

            using var reader = File.OpenText(path);
            Assert.Equal(returned, NdjsonDecisionLog.Read(reader, BundledRules.Catalogue).Count());
        }
        finally
        {
            Run("umount", mount);
        }
    }

    [Fact]
    public void Dispose_AfterAFailedWriteOrWithAWriterThatFails_DoesNotThrow()
    {
        var log = new NdjsonDecisionLog(new FailingWriter());
        Assert.Throws<IOException>(() => log.Write(TestCases.Example("use.json"), BundledRules.Engine.Decide(TestCases.Example("use.json"))));

        log.Dispose();
        log.Dispose();
    }

    [Fact]
    public void Write_FileDeletedWhileOpen_ReopensThePathAndLosesNoLine()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        using var log = new NdjsonDecisionLog(path);
        var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
        engine.Decide(TestCases.Example("use.json"));

        File.Delete(path);
        engine.Decide(TestCases.Example("use.json"));

        Assert.Equal([UseLine()], File.ReadAllLines(path));
    }

    [Fact]
    public void Write_FileRenamedAwayAsLogRotationDoes_NextLinesGoToANewFileAtThePath()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        using var log = new NdjsonDecisionLog(path);
        var engine = new CreditPolicyEngine(BundledRules.RuleSet, log);
        engine.Decide(TestCases.Example("use.json"));

        File.Move(path, path + ".1");
        engine.Decide(TestCases.Example("use.json"));
        engine.Decide(TestCases.Example("use.json"));

        Assert.Equal([UseLine()], File.ReadAllLines(path + ".1"));
        Assert.Equal([UseLine(), UseLine()], File.ReadAllLines(path));
    }

    [Fact]
    public async Task Constructor_PathIsAFifo_ThrowsAtOnceWithoutWaitingForAReader()
    {
        var fifo = Path.Combine(TestCases.TempDirectory(), "decisions.ndjson");
        Assert.True(Run("mkfifo", fifo));

        var ex = await Task.Run(() => Assert.Throws<IOException>(() => new NdjsonDecisionLog(fifo))).WaitAsync(Patience);

        Assert.Equal("it is a FIFO (named pipe), not a regular file", ex.Message);
    }

    private static bool Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    /// <summary>A caller's writer whose device has failed.</summary>
    private sealed class FailingWriter : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw new IOException("the device failed");

        public override void Write(string? value) => throw new IOException("the device failed");

        public override void Flush() => throw new IOException("the device failed");
    }
}
