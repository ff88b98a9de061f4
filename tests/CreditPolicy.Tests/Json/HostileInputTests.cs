using System.Diagnostics;
using System.Globalization;
using System.Text;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Tests.Cli;

namespace CreditPolicy.Tests.Json;

/// <summary>
/// Broken and hostile cases, kept as files under Json/Hostile/ (the huge ones are written at test time): each gets a
/// message naming the field, exit code 2 from the CLI (from the file and from standard input), a problem from the
/// library, within bounded time and memory, and never a permit.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Json", "Hostile");

    /// <summary>Every file of the corpus and the problems it must be reported with, each as "path: message fragment".</summary>
    public static TheoryData<string, string[]> BrokenFiles() => new()
    {
        { "not-json.txt", ["$: not valid JSON"] },
        { "empty.json", ["$: the document is empty; expected a JSON object (the case)"] },
        { "whitespace-only.json", ["$: the document is empty; expected a JSON object (the case)"] },
        { "null-document.json", ["$: expected a JSON object (the case), got null"] },
        { "top-level-array.json", ["$: expected a JSON object (the case), got an array"] },
        { "truncated.json", ["grants[0].issuedAt: not valid JSON: Expected end of string, but instead reached end of data"] },
        { "trailing-content.json", ["$: not valid JSON: '{' is invalid after a single JSON value. Expected end of data"] },
        { "deeply-nested.json", ["asOf[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: not valid JSON: The maximum configured depth of 16 has been exceeded"] },
        { "unterminated-string.json", ["asOf: expected an ISO-8601 instant with offset", "$: not valid JSON: 'a' is invalid after a value"] },
        { "invalid-escape.json", ["grants[0].id: not valid JSON: '\"' is not a hex digit following '\\u' within a JSON string"] },
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
        { "number-beyond-decimal.json", ["grants[0].amount: the number 1e400 is out of range for a decimal amount; it cannot be held exactly"] },
        { "integer-beyond-decimal.json", ["grants[0].remaining: the number 79228162514264337593543950336 is out of range for a decimal amount; it cannot be held exactly"] },
        { "too-many-digits.json", ["request.amount: the number 12.5000000000000000000000000000000000001 is out of range for a decimal amount; it cannot be held exactly"] },
        { "tiny-exponent.json", ["grants[0].remaining: the number 1E-29 has more than 28 decimal places; a decimal cannot hold it exactly"] },
        { "negative-grant-amounts.json", ["grants[0].amount: must not be negative, got -100", "grants[0].remaining: must not be negative, got -40"] },
        { "negative-request-amount.json", ["request.amount: must be greater than zero, got -12.5"] },
        { "zero-request-amount.json", ["request.amount: must be greater than zero, got 0"] },
        { "zero-reload-amount.json", ["account.balanceMaintenance.reloadAmount: must be greater than zero when the service is enabled"] },
        { "negative-threshold.json", ["account.balanceMaintenance.threshold: must not be negative, got -10", "account.balanceMaintenance.pendingReloadAmount: must not be negative, got -1"] },
        { "unknown-zone.json", ["account.timeZone: expected an IANA time zone id such as \"America/New_York\", got \"Mars/Olympus_Mons\""] },
        { "zone-with-space.json", ["account.timeZone: expected an IANA time zone id such as \"America/New_York\", got \"EST5EDT \""] },
        { "unknown-request-type.json", ["request.type: expected one of use, refund, cashOut, transfer, sell, closeAccount, restore, expirations, reload, balance, got \"refundAll\""] },
        { "unknown-grant-kind.json", ["grants[0].kind: expected one of usage, promotional, got \"gift\""] },
        { "unknown-status.json", ["account.status: expected one of open, closed, got \"suspended\""] },
        { "misspelt-field.json", ["grants[0].expiresAT: unknown field; did you mean 'expiresAt'?"] },
        { "duplicate-grant-ids.json", ["grants[1].id: duplicate grant id \"g1\"; grant ids must be unique"] },
        { "duplicate-property.json", ["asOf: this field appears more than once; each field may be given once"] },
        { "repeated-field.json", ["request.requestedBy: this field appears more than once; each field may be given once"] },
        { "instant-beyond-range.json", ["asOf: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"9999-12-31T23:59:59-05:00\""] },
        { "instant-without-offset.json", ["asOf: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"2026-11-25T10:00:00\""] },
        { "impossible-instant.json", ["grants[0].issuedAt: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"2026-13-45T99:00:00Z\""] },
        { "instant-as-words.json", ["asOf: expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"yesterday\""] },
        { "remaining-above-amount.json", ["grants[0].remaining: must not exceed amount"] },
        { "closed-without-closedAt.json", ["account.closedAt: required when account.status is closed"] },
        { "open-with-closedAt.json", ["account.closedAt: must be absent or null when account.status is open"] },
        { "closedAt-after-asOf.json", ["account.closedAt: must not be after asOf (a snapshot cannot hold a closure that has not happened)"] },
        { "issued-after-asOf.json", ["grants[0].issuedAt: must not be after asOf (a snapshot cannot hold a grant not yet issued)"] },
        { "confirmed-before-issued.json", ["grants[0].confirmedAt: must not be before issuedAt"] },
        { "expires-before-issued.json", ["grants[1].expiresAt: must not be before issuedAt"] },
        { "unknown-grant-id.json", ["request.grantId: no grant with id \"g9\" in grants"] },
        { "transfer-without-recipient.json", ["request.toAccountId: required for a 'transfer' request"] },
        { "field-of-another-request.json", ["request.until: not a field of a 'use' request"] },
        { "string-over-max-length.json", ["request.requestedBy: 305 characters, more than the 256 this field may hold"] },
        // Strict UTF-8 (issue 8): bytes that a decoder with replacement characters would have turned into the same id.
        { "invalid-utf8-id.json", ["$: not valid UTF-8: byte 0xFF at offset 63 does not begin a valid sequence; a case is UTF-8 JSON (RFC 8259)"] },
        { "overlong-utf8.json", ["$: not valid UTF-8: byte 0xC0 at offset 358 does not begin a valid sequence"] },
        { "overlong-utf8-nul.json", ["$: not valid UTF-8: byte 0xC0 at offset 64 does not begin a valid sequence"] },
        { "utf8-encoded-surrogate.json", ["$: not valid UTF-8: byte 0xED at offset 162 does not begin a valid sequence"] },
        { "beyond-unicode.json", ["$: not valid UTF-8: byte 0xF4 at offset 359 does not begin a valid sequence"] },
        { "utf16-le.json", ["$: not valid UTF-8: byte 0xFF at offset 0 does not begin a valid sequence"] },
        { "lone-surrogate-escape.json", ["request.requestedBy: not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)"] },
        { "lone-surrogate-field-name.json", ["account: a field name is not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)"] },
        // RFC 8259 only (issue 8): what a lenient parser accepted.
        { "leading-zero.json", ["request.amount: not valid JSON: Invalid leading zero before '1'"] },
        { "hexadecimal.json", ["request.amount: not valid JSON: 'x' is an invalid end of a number"] },
        { "nan.json", ["request.amount: not valid JSON: 'N' is an invalid start of a value"] },
        { "comment-hiding-a-field.json", ["request: not valid JSON: '/' is invalid after a value"] },
        { "single-quotes.json", ["request: not valid JSON: ''' is an invalid start of a property name"] },
        { "trailing-comma.json", ["request: not valid JSON: The JSON object contains a trailing comma at the end"] },
        { "unquoted-name.json", ["request: not valid JSON: 'r' is an invalid start of a property name"] },
        { "nul-in-string.json", ["request.requestedBy: not valid JSON: '0x00' is invalid within a JSON string"] },
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
    public void ReadCase_BrokenFile_ReportsEveryProblemByField(string file, string[] expected)
    {
        var clock = Stopwatch.StartNew();
        using var stream = File.OpenRead(Path.Combine(Folder, file));

        var read = BundledRules.Catalogue.ReadCase(stream);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.False(read.IsValid);
        Assert.Null(read.Case);
        Assert.All(read.Problems, p => Assert.True(p.Line is > 0 && p.Column is > 0, $"{p} has no line and column"));
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
        AssertNamesEveryProblem(stderr, expected);
    }

    /// <summary>The files whose bytes are the issue: standard input must refuse them as the file path does (the rest differ only in content, which one reader reads).</summary>
    public static TheoryData<string, string[]> ByteLevelFiles()
    {
        string[] names =
        [
            "empty.json", "whitespace-only.json", "invalid-utf8-id.json", "overlong-utf8.json", "overlong-utf8-nul.json", "utf8-encoded-surrogate.json",
            "beyond-unicode.json", "utf16-le.json", "lone-surrogate-escape.json", "lone-surrogate-field-name.json", "leading-zero.json", "hexadecimal.json",
            "nan.json", "comment-hiding-a-field.json", "single-quotes.json", "trailing-comma.json", "unquoted-name.json", "nul-in-string.json",
            "repeated-field.json", "tiny-exponent.json", "string-over-max-length.json", "deeply-nested.json", "truncated.json", "trailing-content.json",
        ];
        var data = new TheoryData<string, string[]>();
        foreach (var row in BrokenFiles().Where(row => names.Contains((string)row[0]))) data.Add((string)row[0], (string[])row[1]);
        Assert.Equal(names.Length, data.Count());
        return data;
    }

    [Theory]
    [MemberData(nameof(ByteLevelFiles))]
    public async Task Evaluate_BrokenFileOnStandardInput_ExitsWithBadInputNamingTheField(string file, string[] expected)
    {
        var (exit, stdout, stderr) = await CliRunner.Run(File.ReadAllBytes(Path.Combine(Folder, file)), "evaluate", "-", "--rules", TestPaths.Rules);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: The case in standard input is not valid", stderr, StringComparison.Ordinal);
        AssertNamesEveryProblem(stderr, expected);
    }

    [Theory]
    [MemberData(nameof(UndecidableFiles))]
    public async Task Evaluate_UndecidableFile_IsIndeterminateNamingTheRule(string file, string rule, string fragment)
    {
        var path = Path.Combine(Folder, file);
        var decision = BundledRules.Engine.Decide(TestCases.Read(File.ReadAllText(path)));

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
    public async Task ReadCase_TwelveMegabytes_StopsAtTheLimitWithinBoundedTimeAndMemory(string shape)
    {
        var path = WriteHuge(shape, megabytes: 12);
        try
        {
            var clock = Stopwatch.StartNew();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            CaseReadResult read;
            using (var stream = File.OpenRead(path)) read = BundledRules.Catalogue.ReadCase(stream);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            var elapsed = clock.Elapsed;
            var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules);

            var problem = Assert.Single(read.Problems);
            Assert.Equal("$: the case is longer than 8,388,608 bytes; a case is one account snapshot, so leave out grants that are spent and expired", problem.ToString());
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed}");
            Assert.True(allocated < 24L * 1024 * 1024, $"allocated {allocated / (1024 * 1024)} MiB reading a 12 MB case");
            Assert.Equal((2, ""), (exit, stdout));
            Assert.Equal($"error: the case file {path} is larger than 8 MiB, the most one file may hold\n", stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Decide_LargestAcceptedCase_DecidesWithinBoundedTime()
    {
        // About 3.9 MB: some 29,000 grants of 1.25 each, asked to pay 25,000 and to close the account.
        var grants = new StringBuilder();
        for (var i = 0; grants.Length < 3_900_000; i++)
        {
            grants.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $"{{\"id\":\"g{i:D7}\",\"kind\":\"promotional\",\"holderAccountId\":\"acct_1\",\"amount\":1.25,\"remaining\":1.25,\"issuedAt\":\"2026-{1 + i % 10:D2}-01T00:00:00Z\"}}");
        }

        string Case(string request) => $"{{\"asOf\":\"2026-11-25T10:00:00Z\",\"account\":{{\"id\":\"acct_1\",\"status\":\"open\"}},\"grants\":[{grants}],\"request\":{request}}}";
        var use = TestCases.Read(Case("{\"type\":\"use\",\"amount\":25000,\"requestedBy\":\"acct_1\"}"));
        var close = TestCases.Read(Case("{\"type\":\"closeAccount\"}"));
        var clock = Stopwatch.StartNew();

        var used = BundledRules.Engine.Decide(use);
        var closed = BundledRules.Engine.Decide(close);

        Assert.True(use.Grants.Count > 20_000, $"{use.Grants.Count} grants");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(Outcome.Permit, used.Outcome);
        Assert.Equal(25_000m, used.Allocations.Sum(a => a.Amount));
        Assert.Equal(close.Grants.Count, closed.Forfeitures.Count);
    }

    [Fact]
    public void Decide_CaseTheDecidingVersionsVocabularyRefuses_IsIndeterminateNamingTheField()
    {
        // A case read against one vocabulary and decided by rules whose vocabulary has changed (as after a reload): it is read
        // again against the deciding version's vocabulary, and what that refuses makes the decision indeterminate, never a permit.
        using var rules = new TempRuleDirectory();
        rules.ReplaceText("vocabulary.json", "\"account\": {\n", "\"account\": {\n    \"billingCountry\": { \"type\": \"string\", \"required\": true, \"description\": \"Where the account is billed.\" },\n");
        var engine = new CreditPolicyEngine(rules.Load());
        var @case = TestCases.Example("use.json");

        var decision = engine.Decide(@case);

        Assert.Equal(Outcome.Indeterminate, decision.Outcome);
        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("evaluator:invalid-case", reason.Rule);
        Assert.StartsWith("account.billingCountry", reason.Message, StringComparison.Ordinal);
        Assert.Contains("required field is missing", reason.Message, StringComparison.Ordinal);
    }

    private static void AssertNamesEveryProblem(string stderr, string[] expected)
    {
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        foreach (var line in expected)
        {
            var (field, fragment) = Split(line);
            Assert.Contains(fragment, stderr, StringComparison.Ordinal);
            Assert.Contains("\n  " + field + " (line ", stderr, StringComparison.Ordinal);
        }
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
