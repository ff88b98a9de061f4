using System.Diagnostics;
using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Tests.Cli;
using NodaTime;

namespace CreditPolicy.Tests.Json;

/// <summary>
/// Broken and hostile cases, kept as files under Json/Hostile/ (the huge ones are written at test time): each gets a
/// message naming the field, exit code 2 from the CLI, a typed error from the library, within bounded time and
/// memory, and never a permit.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Json", "Hostile");

    /// <summary>Every file of the corpus and the problems it must be reported with, each as "path: message fragment".</summary>
    public static TheoryData<string, string[]> BrokenFiles() => new()
    {
        { "not-json.txt", ["$: not valid JSON"] },
        { "empty.json", ["$: the document is empty; expected a JSON object (the case)"] },
        { "whitespace-only.json", ["$: the document is empty"] },
        { "null-document.json", ["$: expected a JSON object (the case), got null"] },
        { "top-level-array.json", ["$: expected a JSON object (the case), got an array"] },
        { "truncated.json", ["grants[0].issuedAt: not valid JSON: Unterminated string"] },
        { "trailing-content.json", ["$: not valid JSON: Additional text encountered after finished reading JSON content"] },
        { "deeply-nested.json", ["asOf[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: not valid JSON: The reader's MaxDepth of 32 has been exceeded"] },
        { "unterminated-string.json", ["asOf: not valid JSON"] },
        { "invalid-escape.json", ["grants[0].id: not valid JSON: Invalid Unicode escape sequence"] },
        {
            "wrong-types.json",
            [
                "asOf: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the number 1764064800",
                "account.status: expected a string, got true",
                "account.balanceMaintenance.enabled: expected true or false, got the string \"yes\"",
                "grants[0].amount: expected a number (a decimal amount such as 12.50), got the string \"100.00\"",
                "request.amount: expected a number (a decimal amount such as 12.50), got an array",
            ]
        },
        { "grants-not-an-array.json", ["grants: expected an array of grants, got an object"] },
        { "grant-not-an-object.json", ["grants[0]: expected a grant object, got the string \"g1\""] },
        { "missing-fields.json", ["account.id: required field is missing", "grants[0].issuedAt: required field is missing", "request.type: required field is missing"] },
        { "missing-grants.json", ["grants: required field is missing (use [] for an account without grants)"] },
        { "empty-account-id.json", ["account.id: expected a non-empty string"] },
        { "number-beyond-decimal.json", ["grants[0].amount: not valid JSON: Input string '1e400' is not a valid decimal"] },
        { "integer-beyond-decimal.json", ["grants[0].remaining: number is out of range for a decimal amount"] },
        { "too-many-digits.json", ["request.amount: has more significant digits than an amount may have (27)"] },
        { "negative-grant-amounts.json", ["grants[0].amount: must not be negative, got -100", "grants[0].remaining: must not be negative, got -40"] },
        { "negative-request-amount.json", ["request.amount: must be greater than zero, got -12.5"] },
        { "zero-request-amount.json", ["request.amount: must be greater than zero, got 0"] },
        { "zero-reload-amount.json", ["account.balanceMaintenance.reloadAmount: must be greater than zero when the service is enabled, got 0"] },
        { "negative-threshold.json", ["account.balanceMaintenance.threshold: must not be negative, got -10", "account.balanceMaintenance.pendingReloadAmount: must not be negative, got -1"] },
        { "unknown-zone.json", ["account.timeZone: expected an IANA time zone id such as \"America/New_York\", got \"Mars/Olympus_Mons\""] },
        { "zone-with-space.json", ["account.timeZone: expected an IANA time zone id such as \"America/New_York\", got \"EST5EDT \""] },
        { "unknown-request-type.json", ["request.type: expected one of use, refund, cashOut, transfer, sell, closeAccount, restore, expirations, reload, balance, got \"refundAll\""] },
        { "unknown-grant-kind.json", ["grants[0].kind: expected one of usage, promotional, got \"gift\""] },
        { "unknown-status.json", ["account.status: expected one of open, closed, got \"suspended\""] },
        { "misspelt-field.json", ["grants[0].expiresAT: unknown field; did you mean 'expiresAt'?"] },
        { "duplicate-grant-ids.json", ["grants[1].id: duplicate grant id \"g1\"; grant ids must be unique"] },
        { "duplicate-property.json", ["asOf: not valid JSON: Property with the name 'asOf' already exists in the current JSON object"] },
        { "instant-beyond-range.json", ["asOf: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"9999-12-31T23:59:59-05:00\""] },
        { "instant-without-offset.json", ["asOf: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"2026-11-25T10:00:00\""] },
        { "impossible-instant.json", ["grants[0].issuedAt: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"2026-13-45T99:00:00Z\""] },
        { "instant-as-words.json", ["asOf: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"yesterday\""] },
        { "remaining-above-amount.json", ["grants[0].remaining: must not exceed amount (150 > 100.0)"] },
        { "closed-without-closedAt.json", ["account.closedAt: required when account.status is closed"] },
        { "open-with-closedAt.json", ["account.closedAt: must be absent or null when account.status is open"] },
        { "closedAt-after-asOf.json", ["account.closedAt: must not be after asOf (2027-01-01T00:00:00Z > 2026-11-25T10:00:00Z)"] },
        { "issued-after-asOf.json", ["grants[0].issuedAt: must not be after asOf (a snapshot cannot hold a grant not yet issued)"] },
        { "confirmed-before-issued.json", ["grants[0].confirmedAt: must not be before issuedAt"] },
        { "expires-before-issued.json", ["grants[1].expiresAt: must not be before issuedAt"] },
        { "unknown-grant-id.json", ["request.grantId: no grant with id \"g9\" in grants"] },
        { "transfer-without-recipient.json", ["request.toAccountId: required for a 'transfer' request"] },
        { "field-of-another-request.json", ["request.until: not a field of a 'use' request"] },
    };

    /// <summary>Valid cases that no rule can decide: the evaluator says indeterminate, naming the rule.</summary>
    public static TheoryData<string, string, string> UndecidableFiles() => new()
    {
        // One calendar year after June 9999 is past the end of the calendar.
        { "end-of-time.json", "usage-credit-expiry", "Rule 'usage-credit-expiry' failed for grant 'g1'" },
        // Two grants of decimal.MaxValue: their sum overflows.
        { "balance-beyond-decimal.json", "use-insufficient-credits", "OverflowException" },
    };

    [Fact]
    public void Corpus_EveryFile_IsInATable()
    {
        var listed = BrokenFiles().Select(row => (string)row[0]).Concat(UndecidableFiles().Select(row => (string)row[0]));

        Assert.Equal(Directory.GetFiles(Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Read_BrokenFile_ReportsEveryProblemByField(string file, string[] expected)
    {
        var clock = Stopwatch.StartNew();
        using var text = File.OpenText(Path.Combine(Folder, file));

        var read = CaseJson.Read(text);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.False(read.IsValid);
        Assert.Null(read.Case);
        foreach (var line in expected)
        {
            var (path, fragment) = Split(line);
            Assert.True(read.Problems.Any(p => p.Path == path && p.Message.Contains(fragment, StringComparison.Ordinal)),
                $"no problem '{line}' in:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", read.Problems)}");
        }
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public async Task Evaluate_BrokenFile_ExitsWithBadInputNamingTheField(string file, string[] expected)
    {
        var path = Path.Combine(Folder, file);

        var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith($"error: The case in {path} is not valid", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        foreach (var line in expected)
        {
            var (field, fragment) = Split(line);
            Assert.Contains(fragment, stderr, StringComparison.Ordinal);
            Assert.Contains("  " + field + (field == "$" ? "" : " ("), stderr, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(UndecidableFiles))]
    public async Task Evaluate_UndecidableFile_IsIndeterminateNamingTheRule(string file, string rule, string fragment)
    {
        var path = Path.Combine(Folder, file);
        using var text = File.OpenText(path);
        var read = CaseJson.Read(text);
        Assert.True(read.IsValid, string.Join("; ", read.Problems));

        var decision = BundledRules.AlwaysInForce.Decide(read.Case!);
        var (exit, stdout, _) = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules, "--compact");

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal(rule, reason.Rule);
        Assert.Contains(fragment, reason.Message, StringComparison.Ordinal);
        Assert.Equal(0, exit);
        Assert.StartsWith("{\"outcome\":\"indeterminate\"", stdout, StringComparison.Ordinal);
    }

    public static TheoryData<string> HugeShapes() => new() { "many-grants", "long-string", "long-number" };

    [Theory]
    [MemberData(nameof(HugeShapes))]
    public async Task Read_TensOfMegabytes_StopsAtTheLimitWithinBoundedTimeAndMemory(string shape)
    {
        var path = WriteHuge(shape, megabytes: 40);
        try
        {
            var clock = Stopwatch.StartNew();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            CaseReadResult read;
            using (var text = File.OpenText(path)) read = CaseJson.Read(text);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            var elapsed = clock.Elapsed;
            var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules);

            var problem = Assert.Single(read.Problems);
            Assert.Equal("$", problem.Path);
            Assert.StartsWith("the case is longer than 4,194,304 characters", problem.Message, StringComparison.Ordinal);
            Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed}");
            Assert.True(allocated < 400L * 1024 * 1024, $"allocated {allocated / (1024 * 1024)} MiB reading a 40 MB case");
            Assert.Equal(2, exit);
            Assert.Equal("", stdout);
            Assert.Contains("the case is longer than 4,194,304 characters", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Decide_LargestAcceptedCase_DecidesWithinBoundedTime()
    {
        var path = WriteHuge("many-grants", megabytes: 3.9);
        try
        {
            using var text = File.OpenText(path);
            var read = CaseJson.Read(text);
            Assert.True(read.IsValid, string.Join("; ", read.Problems.Take(3)));
            var clock = Stopwatch.StartNew();

            var use = BundledRules.AlwaysInForce.Decide(read.Case! with { Request = new CreditRequest(RequestTypes.Use, 25_000m, "acct_1") });
            var close = BundledRules.AlwaysInForce.Decide(read.Case! with { Request = new CreditRequest(RequestTypes.CloseAccount) });

            Assert.True(read.Case!.Grants.Count > 20_000, $"{read.Case.Grants.Count} grants");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.Equal(Outcome.Permit, use.Outcome);
            Assert.Equal(25_000m, use.Allocations.Sum(a => a.Amount));
            Assert.Equal(read.Case.Grants.Count, close.Forfeitures.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Cases built in code, past the reader: the library answers indeterminate naming the field, never a permit.</summary>
    public static TheoryData<string, string> BrokenRecords() => new()
    {
        { "grants null", "grants: required field is missing" },
        { "account null", "account: required field is missing" },
        { "request null", "request: required field is missing" },
        { "grant null", "grants[0]: expected a grant object, got null" },
        { "negative remaining", "grants[0].remaining: must not be negative" },
        { "duplicate ids", "grants[1].id: duplicate grant id" },
        { "unknown zone", "account.timeZone: expected an IANA time zone id" },
        { "null zone", "account.timeZone: expected an IANA time zone id" },
        { "unknown request type", "request.type: expected one of" },
        { "unknown source", "grants[0].source: expected one of purchase, balanceMaintenance, promotion" },
        { "null holder", "grants[0].holderAccountId: expected a non-empty string" },
        { "use without requester", "request.requestedBy: required for a 'use' request" },
    };

    [Theory]
    [MemberData(nameof(BrokenRecords))]
    public void Decide_BrokenRecord_IsIndeterminateNamingTheField(string broken, string expected)
    {
        var asOf = Instant.FromUtc(2026, 11, 25, 10, 0);
        var grant = new Grant("g1", GrantKinds.Usage, "acct_1", 100m, 40m, asOf - Duration.FromDays(30), asOf - Duration.FromDays(30), null, GrantSources.Purchase);
        var c = new CreditCase(asOf, new Account("acct_1", AccountStatuses.Open, null, "Etc/UTC", null), [grant],
            new CreditRequest(RequestTypes.Use, 10m, "acct_1"));
        c = broken switch
        {
            "grants null" => c with { Grants = null! },
            "account null" => c with { Account = null! },
            "request null" => c with { Request = null! },
            "grant null" => c with { Grants = [null!] },
            "negative remaining" => c with { Grants = [grant with { Remaining = -1m }] },
            "duplicate ids" => c with { Grants = [grant, grant] },
            "unknown zone" => c with { Account = c.Account with { TimeZone = "Nowhere/Atlantis" } },
            "null zone" => c with { Account = c.Account with { TimeZone = null! } },
            "unknown request type" => c with { Request = new CreditRequest("withdraw") },
            "unknown source" => c with { Grants = [grant with { Source = "gift" }] },
            "null holder" => c with { Grants = [grant with { HolderAccountId = null! }] },
            "use without requester" => c with { Request = new CreditRequest(RequestTypes.Use, 10m) },
            _ => throw new ArgumentOutOfRangeException(nameof(broken), broken, null),
        };

        var decision = BundledRules.AlwaysInForce.Decide(c);
        var explained = BundledRules.AlwaysInForce.Explain(c);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        Assert.Contains(decision.Reasons, r => r.Rule == "evaluator:invalid-case" && r.Message.StartsWith(expected, StringComparison.Ordinal));
        Assert.Equal(Outcome.Indeterminate, explained.Decision.Outcome);
    }

    private static (string Path, string Fragment) Split(string line)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        return (line[..colon], line[(colon + 2)..]);
    }

    /// <summary>Writes a case of about <paramref name="megabytes"/> MB to a temporary file: many grants, one long string, or one long number.</summary>
    private static string WriteHuge(string shape, double megabytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"creditpolicy-huge-{shape}-{Guid.NewGuid():N}.json");
        var size = (long)(megabytes * 1_000_000);
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        w.Write("{\"asOf\":\"2026-11-25T10:00:00Z\",\"account\":{\"id\":");
        switch (shape)
        {
            case "long-string":
                w.Write('"');
                for (long i = 0; i < size; i += 64) w.Write("acct_acct_acct_acct_acct_acct_acct_acct_acct_acct_acct_acct_acct");
                w.Write("\",\"status\":\"open\"},\"grants\":[],\"request\":{\"type\":\"balance\"}}");
                break;
            case "long-number":
                w.Write("\"acct_1\",\"status\":\"open\",\"balanceMaintenance\":{\"enabled\":true,\"reloadAmount\":5,\"threshold\":1");
                for (long i = 0; i < size; i += 64) w.Write("0000000000000000000000000000000000000000000000000000000000000000");
                w.Write("}},\"grants\":[],\"request\":{\"type\":\"reload\"}}");
                break;
            default:
                w.Write("\"acct_1\",\"status\":\"open\"},\"grants\":[");
                var written = 0L;
                for (var i = 0; written < size; i++)
                {
                    var grant = $"{(i == 0 ? "" : ",")}{{\"id\":\"g{i:D7}\",\"kind\":\"promotional\",\"holderAccountId\":\"acct_1\",\"amount\":1.25,\"remaining\":1.25,\"issuedAt\":\"2026-{1 + i % 10:D2}-01T00:00:00Z\"}}";
                    w.Write(grant);
                    written += grant.Length;
                }

                w.Write("],\"request\":{\"type\":\"balance\"}}");
                break;
        }

        return path;
    }
}
