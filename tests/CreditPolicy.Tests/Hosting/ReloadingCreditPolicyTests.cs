using System.Collections.Concurrent;
using System.Diagnostics;
using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Schemas;
using CreditPolicy.Tests.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Testing;

namespace CreditPolicy.Tests.Hosting;

/// <summary>Safe hot reload: edits under a running evaluator, good and bad, while other threads decide.</summary>
public sealed class ReloadingCreditPolicyTests
{
    private const string PermitMessage = "The holder's available credits cover the amount.";

    /// <summary>Generous: a reload compiles every rule and runs every scenario, on a machine shared with other builds.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A poll so rare it never happens in a test: what is seen, the watchers saw.</summary>
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);

    private static readonly string UseJson = File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json"));

    /// <summary>examples/use.json, read against the bundled vocabulary: a policy over a copy reads it again against its own.</summary>
    private static readonly Lazy<CreditCase> UseCase = new(() => TestCases.Example("use.json"));

    private readonly FakeClock _clock = new(Instant.FromUtc(2026, 11, 25, 12, 0));

    private readonly ListLogger _logger = new();

    /// <summary>How many decisions the deciders make while sets are swapped in underneath them.</summary>
    private const long Decisions = 20_000;

    [Fact]
    public async Task ReloadAsync_GoodAndBadEditsWhileEightThreadsDecide_EveryDecisionComesWholeFromAValidSet()
    {
        var dir = TestPaths.CopyRules();
        using var policy = Create(dir, watch: false);
        var messageOf = new Dictionary<RuleSetIdentity, string> { [CurrentIdentity(policy)] = PermitMessage };
        // Every distinct decision seen, with how often: few kinds, so memory stays flat however many are made.
        var seen = new ConcurrentDictionary<string, long>();
        long made = 0;
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var deciders = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            try
            {
                for (var n = 1; !stop.IsCancellationRequested; n++)
                {
                    seen.AddOrUpdate(DecisionJson.Serialize(policy.Decide(UseCase.Value), indented: false), 1, (_, count) => count + 1);
                    Interlocked.Increment(ref made);

                    // Leave the reloads some of the machine's two cores.
                    if (n % 64 == 0) Thread.Sleep(1);
                }
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        for (var edit = 1; edit <= 3; edit++)
        {
            // A good edit: the permit's message changes, nothing a scenario checks.
            var message = $"{PermitMessage} (edit {edit})";
            Edit(Path.Combine(dir, "use.json"), edit == 1 ? $"\"{PermitMessage}\"" : $"\"{PermitMessage} (edit {edit - 1})\"", $"\"{message}\"");
            var replaced = await ReloadAt(policy, Duration.FromMinutes(edit * 10));
            Assert.Equal(ReloadOutcome.Replaced, replaced.Outcome);
            Assert.Equal(_clock.GetCurrentInstant(), policy.Status.LoadedAt);
            messageOf[CurrentIdentity(policy)] = message;
        }

        var good = policy.Status;

        // A bad edit that does not compile: a half-written file.
        var use = Path.Combine(dir, "use.json");
        var goodUse = File.ReadAllText(use);
        File.WriteAllText(use, goodUse[..(goodUse.Length / 2)]);
        var broken = await ReloadAt(policy, Duration.FromMinutes(40));
        Assert.Equal(ReloadOutcome.Rejected, broken.Outcome);
        Assert.True(broken.Problems.Any(p => p.File == "use.json" && p.Message.StartsWith("not valid JSON", StringComparison.Ordinal)), string.Join(Environment.NewLine, broken.Problems));
        File.WriteAllText(use, goodUse);

        // A bad edit that compiles but breaks the terms' own scenarios: usage credits lasting two years.
        var expiry = Path.Combine(dir, "expiry.json");
        Edit(expiry, "\"Cal.PlusInZone(g.ConfirmedAt ?? g.IssuedAt, \\\"P1Y\\\", c.Account.TimeZone)\"", "\"Cal.PlusInZone(g.ConfirmedAt ?? g.IssuedAt, \\\"P2Y\\\", c.Account.TimeZone)\"");
        var failing = await ReloadAt(policy, Duration.FromMinutes(50));
        Assert.Equal(ReloadOutcome.Rejected, failing.Outcome);
        Assert.Contains(failing.Problems, p => p.File == "tests/deny/restore-expired-credit.json" && p.Message == "expected deny, got permit (restore-live-credit)");

        Assert.Same(good.Catalogue, policy.Status.Catalogue);
        Assert.Equal(good.LoadedAt, policy.Status.LoadedAt);
        Assert.False(policy.Status.IsHealthy);
        Assert.Same(failing, policy.Status.LastAttempt);
        Assert.Equal(2, _logger.Entries.Count(e => e.Level == LogLevel.Error));
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("tests/deny/restore-expired-credit.json", StringComparison.Ordinal));

        // Then keep swapping good sets in underneath the deciders until they have made tens of thousands of decisions.
        Edit(expiry, "\"Cal.PlusInZone(g.ConfirmedAt ?? g.IssuedAt, \\\"P2Y\\\", c.Account.TimeZone)\"", "\"Cal.PlusInZone(g.ConfirmedAt ?? g.IssuedAt, \\\"P1Y\\\", c.Account.TimeZone)\"");
        var last = $"{PermitMessage} (edit 3)";
        for (var edit = 4; Interlocked.Read(ref made) < Decisions || edit < 8; edit++)
        {
            Assert.True(edit < 1000, $"only {Interlocked.Read(ref made)} decisions after {edit} reloads");
            var message = $"{PermitMessage} (edit {edit})";
            Edit(Path.Combine(dir, "use.json"), $"\"{last}\"", $"\"{message}\"");
            var replaced = await ReloadAt(policy, Duration.FromMinutes(60 + edit));
            Assert.Equal(ReloadOutcome.Replaced, replaced.Outcome);
            messageOf[CurrentIdentity(policy)] = message;
            last = message;
        }

        await stop.CancelAsync();
        await Task.WhenAll(deciders);

        Assert.Empty(failures);
        var decisions = seen.Keys.Select(json => (Json: json, Read: JObject.Parse(json))).ToArray();
        Assert.All(decisions, d =>
        {
            var rules = new RuleSetIdentity((string?)d.Read["rules"]!["termsVersion"], (string)d.Read["rules"]!["digest"]!, (string)d.Read["rules"]!["tzdb"]!);
            Assert.True(messageOf.TryGetValue(rules, out var message), $"decided by {rules}, which never served: {d.Json}");
            var expected = DecisionJson.Serialize(PermitUnder(rules, message!), indented: false);
            Assert.Equal(expected, d.Json);
        });
        Assert.True(decisions.Length >= 2, "the deciders saw no reload");
        Assert.True(made >= Decisions, $"only {made} decisions were made");
    }

    [Fact]
    public async Task ReloadAsync_NothingChanged_IsUnchangedAndKeepsLoadedAt()
    {
        using var policy = Create(TestPaths.CopyRules(), watch: false);
        var before = policy.Status;

        var attempt = await ReloadAt(policy, Duration.FromMinutes(1));

        Assert.Equal(ReloadOutcome.Unchanged, attempt.Outcome);
        Assert.Same(before.Catalogue, policy.Status.Catalogue);
        Assert.Equal(before.LoadedAt, policy.Status.LoadedAt);
        Assert.True(policy.Status.IsHealthy);
    }

    [Fact]
    public async Task Watcher_GoodEditThenBadEditThenFix_ServesEachGoodSetAndReportsTheBadOne()
    {
        var dir = TestPaths.CopyRules();
        var use = Path.Combine(dir, "use.json");
        using var policy = Create(dir, watch: true);
        var initial = policy.Status;

        Edit(use, $"\"{PermitMessage}\"", $"\"{PermitMessage} (watched)\"");
        await Eventually(() => policy.Status.Catalogue != initial.Catalogue);
        Assert.Equal(ReloadOutcome.Replaced, policy.Status.LastAttempt!.Outcome);
        Assert.Equal($"{PermitMessage} (watched)", Assert.Single(policy.Decide(UseCase.Value).Reasons).Message);
        var good = policy.Status.Catalogue;

        Edit(use, "\"RuleName\": \"use-draws-credits\"", "\"RuleName\": \"use-draws-credits\", \"Expresion\": \"true\"");
        await Eventually(() => !policy.Status.IsHealthy);
        Assert.Same(good, policy.Status.Catalogue);
        Assert.Contains(policy.Status.LastAttempt!.Problems, p => p.File == "use.json" && p.Message.Contains("'Expresion'", StringComparison.Ordinal));
        Assert.Equal(good.Find(TestPaths.CurrentVersion)!.Identity, policy.Decide(UseCase.Value).Rules);

        Edit(use, ", \"Expresion\": \"true\"", "");
        await Eventually(() => policy.Status.IsHealthy);
        Assert.Same(good, policy.Status.Catalogue);
        Assert.Equal(ReloadOutcome.Unchanged, policy.Status.LastAttempt!.Outcome);
    }

    [Fact]
    public async Task Polling_WithoutAWatcher_NoticesANewVersionOfTheTerms()
    {
        var dir = TestPaths.CopyRules(TestPaths.VersionedRules);
        using var policy = Create(dir, watch: false, poll: TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, policy.Catalogue.Versions.Count);

        // A third version, staged elsewhere and moved in whole, as a deploy would.
        var copy = TestPaths.CopyRules(TestPaths.Version(TestPaths.VersionedRules, TestPaths.LaterVersion));
        File.WriteAllText(Path.Combine(copy, "terms.json"), """{ "termsVersion": "2028-01-01", "effectiveFrom": "2028-01-01T00:00:00Z" }""");
        Directory.Move(copy, TestPaths.Version(dir, "2028-01-01"));

        await Eventually(() => policy.Catalogue.Versions.Count == 3);

        Assert.Equal(ReloadOutcome.Replaced, policy.Status.LastAttempt!.Outcome);
        Assert.Equal("2028-01-01", policy.Decide(UseAt(policy, "2028-01-01T00:00:00Z")).Rules.TermsVersion);
        Assert.Equal(TestPaths.LaterVersion, policy.Decide(UseAt(policy, "2027-12-31T23:59:59Z")).Rules.TermsVersion);
        Assert.Equal(TestPaths.CurrentVersion, policy.Decide(UseCase.Value).Rules.TermsVersion);
    }

    [Fact]
    public void Constructor_RulesFailingTheirScenarios_ThrowsNamingTheScenario()
    {
        var dir = TestPaths.CopyRules();
        File.Delete(Path.Combine(dir, "tests", "deny", "refund-denied.json"));

        var ex = Assert.Throws<RuleSetLoadException>(() => Create(dir, watch: false));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("cash-value.json", problem.File);
        Assert.Equal("refund-denied", problem.Rule);
        Assert.StartsWith("decides in no scenario", problem.Message);
    }

    [Fact]
    public async Task AddCreditPolicy_Resolved_PolicyAndStatusAreOneReloadingEvaluatorStampedByTheContainersClock()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IClock>(_clock);
        services.AddCreditPolicy(o =>
        {
            o.RulesDirectory = TestPaths.CopyRules();
            o.WatchForChanges = false;
        });
        await using var provider = services.BuildServiceProvider();

        var policy = provider.GetRequiredService<ICreditPolicy>();
        var status = provider.GetRequiredService<ICreditPolicyStatus>();

        Assert.Same(policy, status);
        Assert.IsType<ReloadingCreditPolicy>(policy);
        Assert.Equal(_clock.GetCurrentInstant(), status.Status.LoadedAt);
        Assert.Null(status.Status.LastAttempt);
        Assert.Equal(TestPaths.CurrentVersion, policy.Decide(UseCase.Value).Rules.TermsVersion);
    }

    public static TheoryData<string> Hostile => HostileEntries.All();

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task ReloadAsync_HostileEntryAppears_RejectsNamingItKeepsServingThenAcceptsAGoodEdit(string name)
    {
        var dir = TestPaths.CopyRules();
        using var policy = Create(dir, watch: false);
        var good = policy.Status.Catalogue;
        if (HostileEntries.Plant(dir, name) is not { } planted) return; // an unreadable file cannot be planted for root

        var rejected = await policy.ReloadAsync().WaitAsync(Patience);

        Assert.Equal(ReloadOutcome.Rejected, rejected.Outcome);
        Assert.Contains(rejected.Problems, p => p.File.StartsWith(planted.Entry, StringComparison.Ordinal) && p.Message.Contains(planted.Says, StringComparison.Ordinal));
        Assert.False(policy.Status.IsHealthy);
        Assert.Same(good, policy.Status.Catalogue);
        Assert.Equal(PermitMessage, Assert.Single(policy.Decide(UseCase.Value).Reasons).Message);

        planted.Remove();
        Edit(Path.Combine(dir, "use.json"), $"\"{PermitMessage}\"", $"\"{PermitMessage} (after {name})\"");
        var replaced = await policy.ReloadAsync().WaitAsync(Patience);

        Assert.Equal(ReloadOutcome.Replaced, replaced.Outcome);
        Assert.True(policy.Status.IsHealthy);
        Assert.Equal($"{PermitMessage} (after {name})", Assert.Single(policy.Decide(UseCase.Value).Reasons).Message);
    }

    [Fact]
    public async Task Watcher_FifoAppearsThenGoes_RejectsItThenServesTheNextGoodEdit()
    {
        var dir = TestPaths.CopyRules();
        using var policy = Create(dir, watch: true, poll: Never);
        var planted = HostileEntries.Plant(dir, "fifo")!;

        await Eventually(() => !policy.Status.IsHealthy);
        Assert.Contains(policy.Status.LastAttempt!.Problems, p => p.File == planted.Entry);

        planted.Remove();
        Edit(Path.Combine(dir, "use.json"), $"\"{PermitMessage}\"", $"\"{PermitMessage} (after the FIFO)\"");
        await Eventually(() => policy.Status.IsHealthy && policy.Status.LastAttempt!.Outcome == ReloadOutcome.Replaced);
        Assert.Equal($"{PermitMessage} (after the FIFO)", Assert.Single(policy.Decide(UseCase.Value).Reasons).Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Watcher_DirectoryDeletedAndRecreated_EndsHealthyServingWhatItHolds(bool edited)
    {
        var dir = TestPaths.CopyRules();
        var replacement = TestPaths.CopyRules();
        if (edited) Edit(Path.Combine(replacement, "use.json"), $"\"{PermitMessage}\"", $"\"{PermitMessage} (recreated)\"");
        using var policy = Create(dir, watch: true, poll: Never);

        Directory.Delete(dir, recursive: true);
        await Eventually(() => policy.Status.LastAttempt?.Problems.Any(p => p.Message == "the rule directory does not exist") == true);

        // Created again file by file, not renamed into place: the new folder must be watched from the moment it appears.
        foreach (var file in Directory.GetFiles(replacement, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(replacement, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var expected = edited ? $"{PermitMessage} (recreated)" : PermitMessage;
        await Eventually(() => policy.Status.IsHealthy && Assert.Single(policy.Decide(UseCase.Value).Reasons).Message == expected);
        Assert.Equal(edited ? ReloadOutcome.Replaced : ReloadOutcome.Unchanged, policy.Status.LastAttempt!.Outcome);

        // And the folder that came back is watched: a later edit is served.
        Edit(Path.Combine(dir, "use.json"), $"\"{expected}\"", $"\"{PermitMessage} (later)\"");
        await Eventually(() => Assert.Single(policy.Decide(UseCase.Value).Reasons).Message == $"{PermitMessage} (later)");
    }

    [Fact]
    public async Task Polling_DirectoryDeletedAndRecreatedIdentical_EndsHealthyAsUnchanged()
    {
        var dir = TestPaths.CopyRules();
        var copy = TestPaths.CopyRules();
        using var policy = Create(dir, watch: false, poll: TimeSpan.FromMilliseconds(100));
        var served = policy.Status.Catalogue;

        Directory.Delete(dir, recursive: true);
        await Eventually(() => !policy.Status.IsHealthy);
        Directory.Move(copy, dir);

        await Eventually(() => policy.Status.IsHealthy);
        Assert.Equal(ReloadOutcome.Unchanged, policy.Status.LastAttempt!.Outcome);
        Assert.Same(served, policy.Status.Catalogue);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Watching_RootLinkSwappedWithLnSfn_ServesEachGoodTargetAndEndsHealthy(bool watch)
    {
        var v1 = TestPaths.CopyRules();
        var v2 = TestPaths.CopyRules();
        var bad = TestPaths.CopyRules();
        Edit(Path.Combine(v2, "use.json"), $"\"{PermitMessage}\"", $"\"{PermitMessage} (v2)\"");
        Edit(Path.Combine(bad, "use.json"), "\"RuleName\": \"use-draws-credits\"", "\"RuleName\": \"use-draws-credits\", \"Expresion\": \"true\"");
        var current = Path.Combine(TestCases.TempDirectory(), "current");
        Directory.CreateSymbolicLink(current, v1);
        using var policy = Create(current, watch, poll: watch ? Never : TimeSpan.FromMilliseconds(100));
        string Message() => Assert.Single(policy.Decide(UseCase.Value).Reasons).Message;

        await LnSfn(v2, current);
        await Eventually(() => Message() == $"{PermitMessage} (v2)" && policy.Status.IsHealthy);

        await LnSfn(bad, current);
        await Eventually(() => !policy.Status.IsHealthy);
        Assert.Equal($"{PermitMessage} (v2)", Message());
        Assert.Contains(policy.Status.LastAttempt!.Problems, p => p.File == "use.json" && p.Message.Contains("'Expresion'", StringComparison.Ordinal));

        await LnSfn(v1, current);
        await Eventually(() => Message() == PermitMessage && policy.Status.IsHealthy);
        Assert.Equal(ReloadOutcome.Replaced, policy.Status.LastAttempt!.Outcome);

        // The folder the link now names is the one watched: an edit inside it is served.
        Edit(Path.Combine(v1, "use.json"), $"\"{PermitMessage}\"", $"\"{PermitMessage} (v1 edited)\"");
        await Eventually(() => Message() == $"{PermitMessage} (v1 edited)");
    }

    [Fact]
    public async Task Polling_BadEditUndone_EndsHealthyAsUnchanged()
    {
        var dir = TestPaths.CopyRules();
        var use = Path.Combine(dir, "use.json");
        using var policy = Create(dir, watch: false, poll: TimeSpan.FromMilliseconds(100));
        var served = policy.Status.Catalogue;

        Edit(use, "\"RuleName\": \"use-draws-credits\"", "\"RuleName\": \"use-draws-credits\", \"Expresion\": \"true\"");
        await Eventually(() => !policy.Status.IsHealthy);
        Edit(use, ", \"Expresion\": \"true\"", "");

        await Eventually(() => policy.Status.IsHealthy);
        Assert.Equal(ReloadOutcome.Unchanged, policy.Status.LastAttempt!.Outcome);
        Assert.Same(served, policy.Status.Catalogue);
    }

    [Fact]
    public async Task ReloadAsync_IdenticalContentAfterARejectedAttempt_IsUnchangedAndHealthy()
    {
        var dir = TestPaths.CopyRules();
        var use = Path.Combine(dir, "use.json");
        var text = File.ReadAllText(use);
        using var policy = Create(dir, watch: false);

        File.WriteAllText(use, text[..(text.Length / 2)]);
        Assert.Equal(ReloadOutcome.Rejected, (await policy.ReloadAsync()).Outcome);
        Assert.False(policy.Status.IsHealthy);
        File.WriteAllText(use, text);

        Assert.Equal(ReloadOutcome.Unchanged, (await policy.ReloadAsync()).Outcome);
        Assert.True(policy.Status.IsHealthy);
    }

    // The tz database (CreditPolicyOptions.TimeZoneDatabasePath).

    [Fact]
    public async Task Constructor_TimeZoneDatabasePath_DecisionsCiteItsVersionBeforeAndAfterAReload()
    {
        var dir = TestPaths.CopyRules();
        var tzdb = TestTimeZones.WithOtherVersion();
        using var bundled = Create(TestPaths.CopyRules(), watch: false);
        using var policy = Create(dir, watch: false, tzdb: tzdb);

        var decision = policy.Decide(UseCase.Value);

        Assert.Equal(TestTimeZones.OtherVersion, policy.Catalogue.TimeZones.Version);
        Assert.Equal(Path.GetFullPath(tzdb), policy.Catalogue.TimeZones.Path);
        Assert.Equal(TestTimeZones.OtherVersion, decision.Rules.Tzdb);
        Assert.Equal(TestTimeZones.OtherVersion, (string?)JObject.Parse(DecisionJson.Serialize(decision))["rules"]!["tzdb"]);
        var other = bundled.Decide(UseCase.Value);
        Assert.Equal(TimeZoneDatabase.Bundled.Version, other.Rules.Tzdb);

        // The same rules and case under another tz database: the same effects, but another identity and another record.
        Assert.Equal(DecisionJson.Serialize(other with { Rules = decision.Rules, Record = null }), DecisionJson.Serialize(decision with { Record = null }));
        Assert.NotEqual(other.Rules, decision.Rules);
        Assert.NotEqual(other.Record!.Id, decision.Record!.Id);

        // A reload loads the new rules with the same database.
        Edit(Path.Combine(dir, "use.json"), $"\"{PermitMessage}\"", $"\"{PermitMessage} (reloaded)\"");
        Assert.Equal(ReloadOutcome.Replaced, (await policy.ReloadAsync()).Outcome);
        var reloaded = policy.Decide(UseCase.Value);
        Assert.Equal($"{PermitMessage} (reloaded)", Assert.Single(reloaded.Reasons).Message);
        Assert.Equal(TestTimeZones.OtherVersion, reloaded.Rules.Tzdb);
    }

    [Fact]
    public void Constructor_TimeZoneDatabasePathNotATzDatabase_ThrowsInvalidDataExceptionNamingTheFile()
    {
        var broken = TestTimeZones.NotADatabase();

        var ex = Assert.Throws<InvalidDataException>(() => Create(TestPaths.CopyRules(), watch: false, tzdb: broken));

        Assert.StartsWith($"{broken}: not a NodaTime tz database (.nzd): ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TimeZoneDatabasePathMissingOrAFifo_ThrowsInvalidDataExceptionSayingWhy()
    {
        var missing = Path.Combine(TestCases.TempDirectory(), "tzdb2099a.nzd");
        var fifo = Path.Combine(TestCases.TempDirectory(), "tzdb.nzd");
        using (var mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();

        var notThere = Assert.Throws<InvalidDataException>(() => Create(TestPaths.CopyRules(), watch: false, tzdb: missing));
        var pipe = Assert.Throws<InvalidDataException>(() => Create(TestPaths.CopyRules(), watch: false, tzdb: fifo));

        Assert.StartsWith($"{missing}: the tz database file cannot be read: ", notThere.Message, StringComparison.Ordinal);
        Assert.Equal($"{fifo}: the tz database file is a FIFO (named pipe), not a regular file; only regular files are read", pipe.Message);
    }

    // The vocabulary (vocabulary.json) hot-reloaded.

    /// <summary>A vocabulary edit: an optional account attribute <c>customerType</c> is declared, and a use may move at most 1000.</summary>
    private static void EditVocabulary(string dir)
    {
        var path = Path.Combine(dir, "vocabulary.json");
        var vocabulary = JObject.Parse(File.ReadAllText(path));
        ((JObject)vocabulary["account"]!).Add("customerType", new JObject { ["type"] = "enum", ["values"] = new JArray("consumer", "business") });
        vocabulary["requests"]!["use"]!["fields"]!["amount"]!["maximum"] = 1000;
        var staged = Path.Combine(TestCases.TempDirectory(), "vocabulary.json");
        File.WriteAllText(staged, vocabulary.ToString());
        File.Move(staged, path, overwrite: true);
    }

    /// <summary>Writes the schemas the edited directory generates into its schema/ folder, as <c>creditpolicy schema --out</c> does.</summary>
    private static void RegenerateSchemas(string dir)
    {
        foreach (var (file, text) in SchemaCatalog.Files(RuleCatalogue.Load(dir))) File.WriteAllText(Path.Combine(dir, "schema", file), text);
    }

    [Fact]
    public async Task ReloadAsync_VocabularyEditWithItsSchemas_ChangesWhichCasesAreValid()
    {
        var dir = TestPaths.CopyRules();
        using var policy = Create(dir, watch: false);
        var business = UseJson.Replace("\"status\": \"open\",", "\"status\": \"open\", \"customerType\": \"business\",", StringComparison.Ordinal);
        var large = UseJson.Replace("\"amount\": 32.50", "\"amount\": 5000", StringComparison.Ordinal);
        Assert.NotEqual(UseJson, business);
        Assert.NotEqual(UseJson, large);

        var before = (Business: Read(policy, business), Large: Read(policy, large));
        EditVocabulary(dir);
        RegenerateSchemas(dir);
        var attempt = await policy.ReloadAsync();
        var after = (Business: Read(policy, business), Large: Read(policy, large));

        Assert.Equal(ReloadOutcome.Replaced, attempt.Outcome);
        Assert.Equal("account.customerType (line 6, column 23): unknown field; expected one of id, status, closedAt, timeZone, balanceMaintenance, termsVersion", Assert.Single(before.Business.Problems).ToString());
        Assert.True(before.Large.IsValid);
        Assert.True(after.Business.IsValid, string.Join(Environment.NewLine, after.Business.Problems));
        Assert.Equal("business", after.Business.Case!.Account.Get("customerType"));
        Assert.Equal("request.amount (line 23, column 41): must be at most 1000, got 5000", Assert.Single(after.Large.Problems).ToString());
    }

    [Fact]
    public async Task Decide_CaseReadBeforeAVocabularyReload_IsReadAgainAgainstTheNewVocabulary()
    {
        var dir = TestPaths.CopyRules();
        using var policy = Create(dir, watch: false);
        var small = UseAt(policy, "2026-11-25T10:00:00Z");
        var large = Read(policy, UseJson.Replace("\"amount\": 32.50", "\"amount\": 5000", StringComparison.Ordinal)).Case!;
        Assert.Equal(Outcome.Deny, policy.Decide(large).Outcome);
        var permitted = DecisionJson.Serialize(policy.Decide(small));

        EditVocabulary(dir);
        RegenerateSchemas(dir);
        Assert.Equal(ReloadOutcome.Replaced, (await policy.ReloadAsync()).Outcome);
        var refused = policy.Decide(large);
        var still = policy.Decide(small);

        // Valid under the vocabulary it was read against, not under the one now deciding: indeterminate, never decided as read.
        Assert.Equal(Outcome.Indeterminate, refused.Outcome);
        var reason = Assert.Single(refused.Reasons);
        Assert.Equal("evaluator:invalid-case", reason.Rule);
        Assert.StartsWith("request.amount", reason.Message, StringComparison.Ordinal);
        Assert.EndsWith("must be at most 1000, got 5000", reason.Message, StringComparison.Ordinal);
        Assert.Equal(policy.Catalogue.Identity, refused.Rules);

        // A case still valid is decided, and recorded, as the new vocabulary reads it: the same bytes as the case read now
        // (regression: the record digested the case as first read, so a logged decision did not replay to the same bytes).
        Assert.NotEqual((string?)JObject.Parse(permitted)["rules"]!["digest"], still.Rules.Digest);
        Assert.Equal(DecisionJson.Serialize(policy.Decide(UseAt(policy, "2026-11-25T10:00:00Z"))), DecisionJson.Serialize(still));
        Assert.Equal(Outcome.Permit, still.Outcome);
    }

    [Fact]
    public async Task ReloadAsync_VocabularyEditWithoutItsSchemas_IsRejectedNamingTheStaleCaseSchema()
    {
        var dir = TestPaths.CopyRules();
        using var policy = Create(dir, watch: false);
        var served = policy.Status.Catalogue;

        EditVocabulary(dir);
        var attempt = await policy.ReloadAsync();

        Assert.Equal(ReloadOutcome.Rejected, attempt.Outcome);
        var problem = Assert.Single(attempt.Problems);
        Assert.Equal("schema/case.schema.json", problem.File);
        Assert.StartsWith("differs from the schema this version of CreditPolicy generates", problem.Message, StringComparison.Ordinal);
        Assert.Same(served, policy.Status.Catalogue);
        Assert.False(Read(policy, UseJson.Replace("\"status\": \"open\",", "\"status\": \"open\", \"customerType\": \"business\",", StringComparison.Ordinal)).IsValid);
    }

    /// <summary>Points a link at another folder as deploy scripts do, with coreutils' <c>ln -sfn</c>.</summary>
    private static async Task LnSfn(string target, string link)
    {
        using var ln = Process.Start(new ProcessStartInfo("ln", ["-sfn", target, link]))!;
        await ln.WaitForExitAsync();
        Assert.Equal(0, ln.ExitCode);
    }

    private ReloadingCreditPolicy Create(string dir, bool watch, TimeSpan? poll = null, string? tzdb = null) =>
        new(new CreditPolicyOptions { RulesDirectory = dir, WatchForChanges = watch, ReloadDebounce = TimeSpan.FromMilliseconds(100), PollInterval = poll, TimeZoneDatabasePath = tzdb }, _logger, _clock);

    /// <summary>Reads a case as a caller holding the policy as its <see cref="ICreditPolicy"/> does.</summary>
    private static CaseReadResult Read(ICreditPolicy policy, string json) => policy.ReadCase(json);

    /// <summary>examples/use.json at another instant, read against the vocabulary of the version the policy decides it with.</summary>
    private static CreditCase UseAt(ICreditPolicy policy, string asOf)
    {
        var read = policy.ReadCase(UseJson.Replace("\"asOf\": \"2026-11-25T10:00:00Z\"", $"\"asOf\": \"{asOf}\"", StringComparison.Ordinal));
        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Problems));
        return read.Case!;
    }

    private async Task<ReloadAttempt> ReloadAt(ReloadingCreditPolicy policy, Duration after)
    {
        _clock.Reset(Instant.FromUtc(2026, 11, 25, 12, 0) + after);
        return await policy.ReloadAsync();
    }

    /// <summary>The one decision the bundled use example gets, under a set whose permit message may have been edited.</summary>
    private static Decision PermitUnder(RuleSetIdentity rules, string message) => CreditPolicy.Records.DecisionRecords.Stamp(
        new(
            Outcome.Permit,
            [new Reason("use-draws-credits", "A.1", message)],
            [new Allocation("g2", "promotional", 20m), new Allocation("g1", "usage", 12.50m)],
            [], [], null, null, null, rules, UseCase.Value.AsOf),
        UseCase.Value);

    private static RuleSetIdentity CurrentIdentity(ReloadingCreditPolicy policy) => policy.Catalogue.Find(TestPaths.CurrentVersion)!.Identity;

    /// <summary>Replaces text in a file in one step (a new file renamed over the old), as deploy tools and careful editors do.</summary>
    private static void Edit(string path, string from, string to)
    {
        var text = File.ReadAllText(path);
        Assert.Contains(from, text);
        var staged = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N") + ".staged");
        File.WriteAllText(staged, text.Replace(from, to, StringComparison.Ordinal));
        File.Move(staged, path, overwrite: true);
    }

    /// <summary>Polls a condition until it holds, failing after <see cref="Patience"/>.</summary>
    private static async Task Eventually(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Patience, $"not within {Patience.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    private sealed class ListLogger : ILogger<ReloadingCreditPolicy>
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
