using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Records;
using CreditPolicy.Rules;
using CreditPolicy.Scenarios;

namespace CreditPolicy.Tests.Records;

/// <summary>Decision records: ids, digests, byte-for-byte replays, and explain never changing a decision.</summary>
public sealed class DecisionRecordsTests
{
    private static readonly string UseJson = File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json"));

    // examples/use.json with its keys reordered, its whitespace changed, its grants swapped, asOf written in New York time
    // and the promotion's source (its kind's default) spelt out.
    private const string UseJsonReformatted = """
        {"request":{"requestedBy":"acct_1","amount":32.50,"type":"use"},"grants":[
        {"source":"promotion","expiresAt":"2026-12-01T00:00:00Z","issuedAt":"2026-01-05T00:00:00Z","remaining":20,"amount":20,"holderAccountId":"acct_1","kind":"promotional","id":"g2"},
        {"source":"purchase","confirmedAt":"2026-02-01T10:00:00Z","issuedAt":"2026-02-01T09:00:00Z","remaining":40.00,"amount":100.00,"holderAccountId":"acct_1","kind":"usage","id":"g1"}],
        "account":{"balanceMaintenance":{"pendingReloadAmount":0,"optedOutAt":null,"paymentMethodOnFile":true,"reloadAmount":50.00,"threshold":10.00,"enabled":true},
        "timeZone":"America/New_York","closedAt":null,"status":"open","id":"acct_1"},"asOf":"2026-11-25T05:00:00-05:00"}
        """;

    public static TheoryData<string, string, string> ScenarioFiles() => Scenarios.ScenarioRunnerTests.ScenarioFiles();

    [Fact]
    public void Decide_SameCaseTwiceEvenReformatted_GivesIdenticalBytesIncludingTheRecord()
    {
        var engine = new CreditPolicyEngine(BundledRules.RuleSet);

        var first = DecisionJson.Serialize(engine.Decide(TestCases.Read(UseJson)));
        var second = DecisionJson.Serialize(engine.Decide(TestCases.Read(UseJson)));
        var reformatted = DecisionJson.Serialize(engine.Decide(TestCases.Read(UseJsonReformatted)));

        Assert.Equal(first, second);
        Assert.Equal(first, reformatted);
        Assert.Contains("\"record\": {", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_AnyCase_RecordNamesTheCaseDigestAndLibraryVersionAndADerivedId()
    {
        var @case = TestCases.Read(UseJson);

        var decision = new CreditPolicyEngine(BundledRules.RuleSet).Decide(@case);

        var record = Assert.IsType<DecisionRecord>(decision.Record);
        Assert.Equal(CanonicalCase.Digest(@case), record.CaseDigest);
        Assert.StartsWith("0.1.0", record.LibraryVersion, StringComparison.Ordinal);
        Assert.Equal(DecisionRecords.LibraryVersion, record.LibraryVersion);
        Assert.Equal(BundledRules.RuleSet.Identity, decision.Rules);
        Assert.Equal(DecisionRecords.Id(@case, decision.Rules, record.LibraryVersion), record.Id);
        Assert.Matches("^dec_[0-9a-f]{32}$", record.Id);
    }

    [Fact]
    public async Task Decide_RecordReadLaterOnManyThreads_IsTheRecordALoggedDecisionCarries()
    {
        // Without a decision log the record is computed when first read: it must be the record computed at once for a
        // log, whichever thread reads it first and however many read it together.
        var @case = TestCases.Read(UseJson);
        var log = new ListSink();
        var withLog = new CreditPolicyEngine(BundledRules.RuleSet, log).Decide(@case);
        var withoutLog = new CreditPolicyEngine(BundledRules.RuleSet).Decide(@case);

        var readers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => withoutLog.Record)));

        Assert.NotNull(withLog.Record);
        Assert.Equal(withLog.Record, Assert.Single(log.Written).Decision.Record);
        Assert.All(readers, r => Assert.Equal(withLog.Record, r));
        Assert.Equal(DecisionJson.Serialize(withLog), DecisionJson.Serialize(withoutLog));
    }

    [Fact]
    public void Id_EachInputItHashes_ChangesIt()
    {
        var @case = TestCases.Read(UseJson);
        var rules = BundledRules.RuleSet.Identity;
        var id = DecisionRecords.Id(@case, rules, DecisionRecords.LibraryVersion);

        Assert.NotEqual(id, DecisionRecords.Id(@case, rules, "0.2.0"));
        Assert.NotEqual(id, DecisionRecords.Id(@case, rules with { Digest = "sha256:" + new string('0', 64) }, DecisionRecords.LibraryVersion));
        Assert.NotEqual(id, DecisionRecords.Id(@case, rules with { Tzdb = "2000a" }, DecisionRecords.LibraryVersion));
        Assert.NotEqual(id, DecisionRecords.Id(TestCases.Read(UseJson.Replace("\"amount\": 32.50", "\"amount\": 32.5", StringComparison.Ordinal)), rules, DecisionRecords.LibraryVersion));
        Assert.Equal(id, DecisionRecords.Id(@case, rules with { TermsVersion = "renamed" }, DecisionRecords.LibraryVersion));
    }

    [Fact]
    public void Decide_DifferentCase_GivesADifferentId()
    {
        var engine = new CreditPolicyEngine(BundledRules.RuleSet);
        var other = UseJson.Replace("\"amount\": 32.50", "\"amount\": 32.00", StringComparison.Ordinal);
        Assert.NotEqual(UseJson, other);

        Assert.NotEqual(engine.Decide(TestCases.Read(UseJson)).Record!.Id, engine.Decide(TestCases.Read(other)).Record!.Id);
    }

    [Fact]
    public void Decide_PinnedCase_HasAnotherDigestAndIdThanTheUnpinnedOne()
    {
        var engine = new CreditPolicyEngine(BundledRules.RuleSet);
        var pinned = UseJson.Replace("\"status\": \"open\",", $"\"status\": \"open\", \"termsVersion\": \"{TestPaths.CurrentVersion}\",", StringComparison.Ordinal);

        var unpinnedDecision = engine.Decide(TestCases.Read(UseJson));
        var pinnedDecision = engine.Decide(TestCases.Read(pinned));

        Assert.Equal(unpinnedDecision.Rules, pinnedDecision.Rules);
        Assert.Equal(unpinnedDecision.Allocations, pinnedDecision.Allocations);
        Assert.NotEqual(unpinnedDecision.Record!.CaseDigest, pinnedDecision.Record!.CaseDigest);
        Assert.NotEqual(unpinnedDecision.Record.Id, pinnedDecision.Record.Id);
    }

    [Fact]
    public void Decide_DifferentRuleSet_GivesADifferentId()
    {
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        File.WriteAllText(Path.Combine(dir, "terms.json"), File.ReadAllText(Path.Combine(dir, "terms.json")).Replace("2026-11-24", "2026-12-01", StringComparison.Ordinal));
        var @case = TestCases.Read(UseJson);

        var before = new CreditPolicyEngine(BundledRules.RuleSet).Decide(@case);
        var after = new CreditPolicyEngine(RuleSet.Load(dir)).Decide(@case);

        Assert.Equal(before.Record!.CaseDigest, after.Record!.CaseDigest);
        Assert.NotEqual(before.Rules.Digest, after.Rules.Digest);
        Assert.NotEqual(before.Record.Id, after.Record.Id);
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void Explain_BundledScenario_DecisionBytesEqualDecide(string rules, string version, string file)
    {
        var (scenarios, _) = ScenarioRunner.Discover(Path.Combine(Scenarios.ScenarioRunnerTests.ScenarioRoot(rules, version), ScenarioRunner.TestsFolder));
        var catalogue = Scenarios.ScenarioRunnerTests.CatalogueOf(rules);
        var read = catalogue.ReadCase(scenarios.Single(s => s.File == file).Case.Span);
        if (!read.IsValid) return; // a scenario whose case the vocabulary refuses has no decision to explain
        var engine = new CreditPolicyEngine(catalogue);

        var explained = engine.Explain(read.Case!);

        Assert.Equal(DecisionJson.Serialize(engine.Decide(read.Case!)), DecisionJson.Serialize(explained.Decision));
        if (explained.Decision.Rules.TermsVersion is not null) Assert.NotEmpty(explained.Trace);
    }

    [Fact]
    public void Explain_DeniedUseOfExpiredGrant_TracesItsExpiryAndAsOf()
    {
        var evaluation = new CreditPolicyEngine(BundledRules.RuleSet).Explain(TestCases.Example("use-expired.json"));

        Assert.Equal(Outcome.Deny, evaluation.Decision.Outcome);
        var expired = Assert.Single(evaluation.Trace, t => t.Rule == "grant-expired" && t.GrantId == "g1");
        Assert.True(expired.Fired);
        Assert.Contains(expired.Values, v => v.ToString() == "g.Expiry = 2026-11-21T09:00:00Z");
        Assert.Contains(expired.Values, v => v.ToString() == "c.AsOf = 2026-11-25T10:00:00Z");
        var insufficient = Assert.Single(evaluation.Trace, t => t.Rule == "use-insufficient-credits");
        Assert.Equal(["c.Available = 0", "c.Request.Amount = 12.50"], insufficient.Values.Select(v => v.ToString()));
    }

    [Fact]
    public void Explain_FactTheRuleNeverReached_IsNotComputedAndTheDecisionIsUnchanged()
    {
        // The deny rule short-circuits before c.Available, so Decide never runs the grant rules, one of which
        // would throw for this grant. Reading c.Available for the trace must not run them either.
        var dir = TestCases.TempDirectory();
        File.Copy(Path.Combine(TestPaths.Rules, "vocabulary.json"), Path.Combine(dir, "vocabulary.json"));
        File.WriteAllText(Path.Combine(dir, "terms.json"), """{ "termsVersion": "probe-test" }""");
        File.WriteAllText(Path.Combine(dir, "rules.json"), """
            { "WorkflowName": "probe", "Rules": [
              { "RuleName": "confirmed-expiry", "SuccessEvent": "Expires a year after confirmation.", "Expression": "true",
                "Properties": { "clause": "T.1", "scope": "grant", "effect": "expiry", "expiresAt": "g.ConfirmedAt.Value" } },
              { "RuleName": "refund-denied", "SuccessEvent": "No refunds.", "Expression": "c.Request.Type == \"refund\" || c.Available > 0",
                "Properties": { "clause": "T.2", "scope": "request", "appliesTo": [ "refund" ], "effect": "deny" } } ] }
            """);
        var engine = new CreditPolicyEngine(RuleSet.Load(dir));
        var @case = TestCases.Read("""
            { "asOf": "2026-11-25T10:00:00Z", "account": { "id": "a", "status": "open" },
              "grants": [ { "id": "g1", "kind": "usage", "holderAccountId": "a", "amount": 5, "remaining": 5, "issuedAt": "2026-01-01T00:00:00Z" } ],
              "request": { "type": "refund", "grantId": "g1" } }
            """, engine.Catalogue);

        var decided = engine.Decide(@case);
        var explained = engine.Explain(@case);

        Assert.Equal(Outcome.Deny, decided.Outcome);
        Assert.Equal(DecisionJson.Serialize(decided), DecisionJson.Serialize(explained.Decision));
        var entry = Assert.Single(explained.Trace);
        Assert.Equal("c.Request.Type = \"refund\"", entry.Values[0].ToString());
        Assert.Equal("c.Available", entry.Values[1].Expression);
        Assert.Null(entry.Values[1].Value);
        Assert.StartsWith("not computed", entry.Values[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_WithSink_HandsItEveryDecisionWithItsCase()
    {
        var sink = new ListSink();
        var engine = new CreditPolicyEngine(BundledRules.RuleSet, sink);
        var @case = TestCases.Read(UseJson);

        var decided = engine.Decide(@case);
        var explained = engine.Explain(@case).Decision;

        Assert.Equal(2, sink.Written.Count);
        Assert.Same(@case, sink.Written[0].Case);
        Assert.Same(decided, sink.Written[0].Decision);
        Assert.Same(explained, sink.Written[1].Decision);
        Assert.NotNull(sink.Written[0].Decision.Record);
    }

    [Fact]
    public void Decide_SinkThrows_PropagatesSoTheDecisionIsNotActedOn()
    {
        var engine = new CreditPolicyEngine(BundledRules.RuleSet, new ThrowingSink());

        var ex = Assert.Throws<IOException>(() => engine.Decide(TestCases.Read(UseJson)));

        Assert.Equal("disk full", ex.Message);
    }

    [Fact]
    public void Compute_OnManyThreadsAtOnce_EqualsTheRecordTheDecisionCarries()
    {
        // The canonical form is written into a per-thread buffer: threads must never see each other's.
        var cases = new[] { UseJson, UseJsonReformatted, File.ReadAllText(Path.Combine(TestPaths.Examples, "refund.json")) }.Select(j => TestCases.Read(j)).ToArray();
        var decisions = cases.Select(c => BundledRules.Engine.Decide(c)).ToArray();

        var computed = new DecisionRecord[8 * 300];
        Parallel.For(0, computed.Length, i => computed[i] = DecisionRecords.Compute(cases[i % cases.Length], decisions[i % cases.Length].Rules));

        for (var i = 0; i < computed.Length; i++) Assert.Equal(decisions[i % cases.Length].Record, computed[i]);
    }

    private sealed class ListSink : IDecisionSink
    {
        public List<(CreditCase Case, Decision Decision)> Written { get; } = [];

        public void Write(CreditCase @case, Decision decision) => Written.Add((@case, decision));
    }

    private sealed class ThrowingSink : IDecisionSink
    {
        public void Write(CreditCase @case, Decision decision) => throw new IOException("disk full");
    }
}
