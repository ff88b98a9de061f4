using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Tests.Cli;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Json;

/// <summary>
/// The attacks on cases of issue 8, each class through every door a case comes in by: the library
/// (<see cref="Rules.RuleCatalogue.ReadCase(ReadOnlySpan{byte})"/> and its stream overload), <c>evaluate FILE</c>,
/// <c>evaluate -</c> and <c>sweep</c> (from a file and from standard input). Input is strict UTF-8 and RFC 8259 JSON,
/// amounts are exact, a byte-order mark means the same everywhere, over-long input is refused without being read whole,
/// the CLI never prints a stack trace or an internal error, and no trick makes a non-holder's use a permit.
/// </summary>
public sealed partial class CaseAttackTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A use of 12.50 on acct_1, which holds 40.00 of confirmed usage credits: with no trick, a permit for the holder.
    /// ACCOUNT, HOLDER, REQUESTER and AMOUNT are replaced by each attack, as bytes.
    /// </summary>
    private const string Template =
        """{"asOf":"2026-11-25T10:00:00Z","account":{"id":"ACCOUNT","status":"open"},"grants":[{"id":"g1","kind":"usage","holderAccountId":"HOLDER","amount":100.00,"remaining":40.00,"issuedAt":"2026-02-01T09:00:00Z","confirmedAt":"2026-02-01T10:00:00Z"}],"request":{"type":"use","amount":AMOUNT,"requestedBy":"REQUESTER"}}""";

    private static byte[] Case(object? account = null, object? holder = null, object? requester = null, string amount = "12.50")
    {
        static byte[] B(object? value) => value switch
        {
            null => "acct_1"u8.ToArray(),
            string s => Encoding.UTF8.GetBytes(s),
            _ => (byte[])value,
        };

        var bytes = Encoding.UTF8.GetBytes(Template);
        bytes = Replace(bytes, "ACCOUNT"u8, B(account));
        bytes = Replace(bytes, "HOLDER"u8, B(holder));
        bytes = Replace(bytes, "REQUESTER"u8, B(requester));
        return Replace(bytes, "AMOUNT"u8, Encoding.UTF8.GetBytes(amount));
    }

    private static byte[] Edit(byte[] bytes, string oldText, string newText) => Replace(bytes, Encoding.UTF8.GetBytes(oldText), Encoding.UTF8.GetBytes(newText));

    private static byte[] Replace(byte[] bytes, ReadOnlySpan<byte> old, ReadOnlySpan<byte> replacement)
    {
        var at = bytes.AsSpan().IndexOf(old);
        Assert.True(at >= 0, "the template has no " + Encoding.UTF8.GetString(old));
        return [.. bytes.AsSpan(0, at), .. replacement, .. bytes.AsSpan(at + old.Length)];
    }

    private static byte[] Bytes(params byte[] bytes) => bytes;

    /// <summary>Each attack that must be refused, and "path: message fragment" of the problem it must be refused with.</summary>
    public static TheoryData<string, byte[], string> Refused() => new()
    {
        // Invalid UTF-8: with replacement characters, acct_\xff and acct_\xfe were the same id and a non-holder's use was permitted.
        { "0xFF holds, 0xFE uses", Case(Bytes(0x61, 0xFF), Bytes(0x61, 0xFF), Bytes(0x61, 0xFE)), "$: not valid UTF-8: byte 0xFF at offset 49 does not begin a valid sequence" },
        { "0xFE in the requester", Case(requester: Bytes(0x61, 0x63, 0x63, 0x74, 0x5F, 0x31, 0xFE)), "$: not valid UTF-8: byte 0xFE at offset 303 does not begin a valid sequence" },
        { "lone continuation byte", Case(holder: Bytes(0x61, 0x80)), "$: not valid UTF-8: byte 0x80 at offset 129" },
        { "truncated sequence", Case(holder: Bytes(0x61, 0xE2, 0x82)), "$: not valid UTF-8: byte 0xE2 at offset 129" },
        { "five-byte form", Case(holder: Bytes(0x61, 0xF8, 0x88, 0x80, 0x80, 0x80)), "$: not valid UTF-8: byte 0xF8 at offset 129" },
        // Overlong encodings: '/', NUL and 'A' spelt with more bytes than they need.
        { "overlong slash in two bytes", Case(requester: Bytes(0x61, 0xC0, 0xAF)), "$: not valid UTF-8: byte 0xC0 at offset 298" },
        { "overlong slash in three bytes", Case(requester: Bytes(0x61, 0xE0, 0x80, 0xAF)), "$: not valid UTF-8: byte 0xE0 at offset 298" },
        { "overlong slash in four bytes", Case(requester: Bytes(0x61, 0xF0, 0x80, 0x80, 0xAF)), "$: not valid UTF-8: byte 0xF0 at offset 298" },
        { "overlong NUL", Case(requester: Bytes(0x61, 0xC0, 0x80)), "$: not valid UTF-8: byte 0xC0 at offset 298" },
        { "overlong A", Case(requester: Bytes(0x61, 0xC1, 0x81)), "$: not valid UTF-8: byte 0xC1 at offset 298" },
        // Surrogates, encoded in UTF-8 (CESU) or escaped alone.
        { "surrogate encoded in UTF-8", Case(requester: Bytes(0x61, 0xED, 0xA0, 0x80)), "$: not valid UTF-8: byte 0xED at offset 298" },
        { "beyond U+10FFFF", Case(requester: Bytes(0x61, 0xF4, 0x90, 0x80, 0x80)), "$: not valid UTF-8: byte 0xF4 at offset 298" },
        { "escaped lone high surrogate", Case(requester: "acct_1\\ud800"), "request.requestedBy: not valid text: an escaped lone surrogate" },
        { "escaped lone low surrogate", Case(holder: "\\udfffacct_1"), "grants[0].holderAccountId: not valid text: an escaped lone surrogate" },
        { "escaped pair reversed", Case(account: "acct_\\ude00\\ud83d"), "account.id: not valid text: an escaped lone surrogate" },
        { "escaped lone surrogate as a field name", Edit(Case(), "\"status\":", "\"\\ud800\":1,\"status\":"), "account: a field name is not valid text: an escaped lone surrogate" },
        { "escaped lone surrogate as the request type", Edit(Case(), "\"type\":\"use\"", "\"type\":\"us\\ud800\""), "request.type: not valid text: an escaped lone surrogate" },
        { "escaped lone surrogate as the pin", Edit(Case(), "\"status\":\"open\"", "\"status\":\"open\",\"termsVersion\":\"\\udbff\""), "account.termsVersion: not valid text: an escaped lone surrogate" },
        // JSON that is not RFC 8259, which a lenient parser accepted.
        { "leading zero", Case(amount: "010"), "request.amount: not valid JSON: Invalid leading zero before '1'" },
        { "leading zeros", Case(amount: "0012.50"), "request.amount: not valid JSON: Invalid leading zero" },
        { "hexadecimal", Case(amount: "0x20"), "request.amount: not valid JSON: 'x' is an invalid end of a number" },
        { "plus sign", Case(amount: "+12.50"), "request.amount: not valid JSON: '+' is an invalid start of a value" },
        { "NaN", Case(amount: "NaN"), "request.amount: not valid JSON: 'N' is an invalid start of a value" },
        { "Infinity", Case(amount: "Infinity"), "request.amount: not valid JSON: 'I' is an invalid start of a value" },
        { "block comment hiding a second requester", Edit(Case(), "\"requestedBy\":\"acct_1\"}", "\"requestedBy\":\"acct_1\"/*,\"requestedBy\":\"acct_2\"*/}"), "request: not valid JSON: '/' is invalid after a value" },
        { "line comment", Edit(Case(), "\"request\":{", "\"request\"://\n{"), "request: not valid JSON: " },
        { "single-quoted string", Case(requester: "acct_1\",\"x\":'y"), "request.x: not valid JSON: ''' is an invalid start of a value" },
        { "single-quoted name", Edit(Case(), "\"requestedBy\":", "'requestedBy':"), "request: not valid JSON: ''' is an invalid start of a property name" },
        { "unquoted name", Edit(Case(), "\"requestedBy\":", "requestedBy:"), "request: not valid JSON: 'r' is an invalid start of a property name" },
        { "trailing comma in an object", Edit(Case(), "\"requestedBy\":\"acct_1\"}", "\"requestedBy\":\"acct_1\",}"), "request: not valid JSON: The JSON object contains a trailing comma" },
        { "trailing comma in an array", Edit(Case(), "\"confirmedAt\":\"2026-02-01T10:00:00Z\"}]", "\"confirmedAt\":\"2026-02-01T10:00:00Z\"},]"), "grants[1]: not valid JSON: The JSON array contains a trailing comma" },
        { "raw NUL in a string", Case(requester: Bytes(0x61, 0x00)), "request.requestedBy: not valid JSON: '0x00' is invalid within a JSON string" },
        { "raw control byte in a string", Case(holder: Bytes(0x61, 0x1F)), "grants[0].holderAccountId: not valid JSON: '0x1F' is invalid within a JSON string" },
        { "raw line feed in a string", Case(account: "acct\n_1"), "account.id: not valid JSON: '0x0A' is invalid within a JSON string" },
        { "escaped NUL", Case(requester: "acct_1\\u0000"), "request.requestedBy: must not contain control characters (found U+0000)" },
        { "escaped DEL", Case(holder: "acct_1\\u007f"), "grants[0].holderAccountId: must not contain control characters (found U+007F)" },
        { "NUL after the case", [.. Case(), 0x00], "$: not valid JSON: '0x00' is invalid after a single JSON value" },
        { "second case on the line", [.. Case(), .. Case()], "$: not valid JSON: '{' is invalid after a single JSON value" },
        { "repeated requester", Edit(Case(), "\"requestedBy\":\"acct_1\"}", "\"requestedBy\":\"acct_2\",\"requestedBy\":\"acct_1\"}"), "request.requestedBy: this field appears more than once" },
        { "repeated requester spelt with an escape", Edit(Case(), "\"requestedBy\":\"acct_1\"}", "\"requestedBy\":\"acct_2\",\"requested\\u0042y\":\"acct_1\"}"), "request.requestedBy: this field appears more than once" },
        { "repeated holder", Edit(Case(), "\"holderAccountId\":", "\"holderAccountId\":\"acct_9\",\"holderAccountId\":"), "grants[0].holderAccountId: this field appears more than once" },
        { "repeated account", Edit(Case(), "\"grants\":", "\"account\":{\"id\":\"acct_2\",\"status\":\"open\"},\"grants\":"), "account: this field appears more than once" },
        // Exactness.
        { "1E-29", Edit(Case(), "\"remaining\":40.00", "\"remaining\":1E-29"), "grants[0].remaining: the number 1E-29 has more than 28 decimal places; a decimal cannot hold it exactly" },
        { "30 significant digits", Case(amount: "123456789012345678901234567890"), "request.amount: the number 123456789012345678901234567890 is out of range for a decimal amount" },
        { "one past decimal.MaxValue", Edit(Case(), "\"amount\":100.00", "\"amount\":79228162514264337593543950336"), "grants[0].amount: the number 79228162514264337593543950336 is out of range" },
        { "negative zero to use", Case(amount: "-0"), "request.amount: must be greater than zero, got 0" },
        // Strings longer than declared (256 characters unless the vocabulary says otherwise).
        { "257 characters", Case(requester: new string('a', 257)), "request.requestedBy: 257 characters, more than the 256 this field may hold" },
        { "129 emoji", Case(holder: string.Concat(Enumerable.Repeat("😀", 129))), "grants[0].holderAccountId: 258 characters, more than the 256 this field may hold" },
        // Deep nesting.
        { "deep array in $schema", Edit(Case(), "\"asOf\":", "\"$schema\":" + new string('[', 5000) + new string(']', 5000) + ",\"asOf\":"), "$schema[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: not valid JSON: The maximum configured depth of 16 has been exceeded" },
        { "deep objects as the requester", Case(requester: "\",\"requestedBy\":" + string.Concat(Enumerable.Repeat("{\"a\":", 3000))), "request.requestedBy" },
    };

    /// <summary>Valid cases written to look like the holder asking, or written unusually: the decision each must get (outcome, first rule).</summary>
    public static TheoryData<string, byte[], string> Decided() => new()
    {
        { "the holder", Case(), "permit use-draws-credits" },
        { "the holder, with a byte-order mark", [0xEF, 0xBB, 0xBF, .. Case()], "permit use-draws-credits" },
        { "the holder, written with escapes", Case(requester: "\\u0061cct_\\u0031"), "permit use-draws-credits" },
        { "upper case", Case(requester: "ACCT_1"), "deny use-by-non-holder" },
        { "trailing space", Case(requester: "acct_1 "), "deny use-by-non-holder" },
        { "zero-width space", Case(requester: "acct_1\u200b"), "deny use-by-non-holder" },
        { "byte-order mark inside", Case(requester: "acct_1\ufeff"), "deny use-by-non-holder" },
        { "soft hyphen", Case(requester: "acct\u00ad_1"), "deny use-by-non-holder" },
        { "fullwidth letter", Case(requester: "ａcct_1"), "deny use-by-non-holder" },
        { "composed and decomposed", Case("caf\u00e9", "caf\u00e9", "cafe\u0301"), "deny use-by-non-holder" },
        { "line separator", Case(requester: "acct_1\u2028"), "deny use-by-non-holder" },
        { "held by a lookalike", Case(holder: "acct_1\u200b"), "deny use-insufficient-credits" },
        // Exactness: 1E2 is 100, -0 is 0, a 29-digit coefficient is held exactly.
        { "1E2 is more than 40", Case(amount: "1E2"), "deny use-insufficient-credits" },
        { "4E1 is exactly 40", Case(amount: "4E1"), "permit use-draws-credits" },
        { "-0 remains", Edit(Case(), "\"remaining\":40.00", "\"remaining\":-0"), "deny use-insufficient-credits" },
        { "29 significant digits", Edit(Case(amount: "0.0000000000000000000000000001"), "\"remaining\":40.00", "\"remaining\":0.0000000000000000000000000001"), "permit use-draws-credits" },
        { "one more than the remaining 29 digits", Edit(Case(amount: "0.0000000000000000000000000002"), "\"remaining\":40.00", "\"remaining\":0.0000000000000000000000000001"), "deny use-insufficient-credits" },
        { "decimal.MaxValue", Edit(Case(amount: "79228162514264337593543950335"), "\"amount\":100.00,\"remaining\":40.00", "\"amount\":79228162514264337593543950335,\"remaining\":79228162514264337593543950335"), "permit use-draws-credits" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void ReadCase_Attack_IsRefusedNamingThePlace(string name, byte[] attack, string expected)
    {
        var fromBytes = BundledRules.Catalogue.ReadCase(attack);
        var fromStream = BundledRules.Catalogue.ReadCase(new MemoryStream(attack));

        Assert.False(fromBytes.IsValid, name);
        Assert.Null(fromBytes.Case);
        AssertNames(expected, fromBytes.Problems.Select(p => $"{p.Path}: {p.Message}"), name);
        Assert.Equal(fromBytes.Problems, fromStream.Problems);
    }

    [Theory]
    [MemberData(nameof(Decided))]
    public void Decide_TrickOrUnusualSpelling_IsDecidedAsTheIdsAndAmountsItReallyHolds(string name, byte[] bytes, string expected)
    {
        var read = BundledRules.Catalogue.ReadCase(bytes);
        Assert.True(read.IsValid, name + ": " + string.Join("; ", read.Problems));

        var decision = BundledRules.Engine.Decide(read.Case!);

        Assert.Equal(expected, $"{DecisionJson.OutcomeName(decision.Outcome)} {decision.Reasons[0].Rule}");
    }

    [Fact]
    public async Task Evaluate_InvalidUtf8FromAFileAndFromStandardInput_RefusedNamingTheByteOffset()
    {
        var attack = Case(Bytes(0x61, 0xFF), Bytes(0x61, 0xFF), Bytes(0x61, 0xFE));
        var path = Path.Combine(TestCases.TempDirectory(), "case.json");
        await File.WriteAllBytesAsync(path, attack);

        var fromFile = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules);
        var fromStdin = await CliRunner.Run(attack, "evaluate", "-", "--rules", TestPaths.Rules);

        const string Problem = "  $ (line 1, column 50): not valid UTF-8: byte 0xFF at offset 49 does not begin a valid sequence; a case is UTF-8 JSON (RFC 8259)\n";
        Assert.Equal((2, "", $"error: The case in {path} is not valid (1 problem):\n{Problem}"), fromFile);
        Assert.Equal((2, "", $"error: The case in standard input is not valid (1 problem):\n{Problem}"), fromStdin);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("stdin")]
    public async Task Sweep_EveryAttackOnALineOfItsOwn_ErrorRecordsNamingEachAndTheOtherLinesDecided(string from)
    {
        // Line 1 is the holder's use, then one line per attack to refuse, then the ones to decide. A line feed ends an NDJSON
        // line, so the attacks that hold one (a raw line feed in a string, a line comment) are not lines of their own here.
        var refused = Refused().Select(row => ((string)row[0], (byte[])row[1], (string)row[2])).Where(a => !a.Item2.Contains((byte)'\n')).ToArray();
        var decided = Decided().Select(row => ((string)row[0], (byte[])row[1], (string)row[2])).ToArray();
        var lines = new List<byte[]> { Case() };
        lines.AddRange(refused.Select(a => a.Item2));
        lines.AddRange(decided.Select(a => a.Item2));
        var ndjson = lines.SelectMany(l => l.Append((byte)'\n')).ToArray();
        string[] args = ["sweep", "--cases", "-", "--rules", TestPaths.Rules, "--parallel", "2"];
        if (from == "file")
        {
            args[2] = Path.Combine(TestCases.TempDirectory(), "cases.ndjson");
            await File.WriteAllBytesAsync(args[2], ndjson);
        }

        var (exit, stdout, stderr) = await CliRunner.Run(from == "file" ? [] : ndjson, args).WaitAsync(Patience);

        Assert.True(exit == 0, stderr);
        AssertNoCrash(stderr);
        var records = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();
        Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), records.Select(r => (long)r["line"]!));
        Assert.Equal("permit", (string?)records[0]["decision"]!["outcome"]);
        for (var i = 0; i < refused.Length; i++)
        {
            var (name, _, expected) = refused[i];
            var problems = records[1 + i]["error"]?["problems"] as JArray;
            Assert.True(problems is not null, $"{name}: line {2 + i} was decided: {records[1 + i]}");
            AssertNames(expected, problems!.Select(p => $"{p["path"]}: {p["message"]}"), name);
            Assert.All(problems!, p => Assert.True((int?)p["column"] > 0, $"{name}: no column in {p}"));
        }

        for (var i = 0; i < decided.Length; i++)
        {
            var (name, bytes, expected) = decided[i];
            var decision = records[1 + refused.Length + i]["decision"];
            Assert.True(decision is not null, $"{name}: {records[1 + refused.Length + i]}");
            Assert.Equal(DecisionJson.Serialize(BundledRules.Engine.Decide(BundledRules.Catalogue.ReadCase(bytes).Case!), indented: false), decision!.ToString(Newtonsoft.Json.Formatting.None));
            Assert.Equal(expected, $"{decision["outcome"]} {decision["reasons"]![0]!["rule"]}");
        }
    }

    [Fact]
    public async Task Evaluate_ByteOrderMark_SameDecisionFromAFileStandardInputAndSweep()
    {
        byte[] withMark = [0xEF, 0xBB, 0xBF, .. Case()];
        var path = Path.Combine(TestCases.TempDirectory(), "case.json");
        await File.WriteAllBytesAsync(path, withMark);
        var expected = DecisionJson.Serialize(BundledRules.Engine.Decide(TestCases.Read(Encoding.UTF8.GetString(Case()))), indented: false);

        var fromFile = await CliRunner.Run("", "evaluate", path, "--rules", TestPaths.Rules, "--compact");
        var fromStdin = await CliRunner.Run(withMark, "evaluate", "-", "--rules", TestPaths.Rules, "--compact");
        var swept = await CliRunner.Run([.. withMark, (byte)'\n'], "sweep", "--cases", "-", "--rules", TestPaths.Rules, "--parallel", "1");

        Assert.Equal((0, expected + "\n"), (fromFile.Exit, fromFile.Out));
        Assert.Equal((0, expected + "\n"), (fromStdin.Exit, fromStdin.Out));
        Assert.Equal(0, swept.Exit);
        Assert.Equal($"{{\"line\":1,\"accountId\":\"acct_1\",\"decision\":{expected}}}\n", swept.Out);
        Assert.Contains("\"outcome\":\"permit\"", expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_CaseFileIsDevZero_RefusedAtOnceAsADevice()
    {
        var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", "/dev/zero", "--rules", TestPaths.Rules).WaitAsync(Patience);

        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal("error: the case file /dev/zero is a character device, not a regular file; only regular files are read\n", stderr);
    }

    [Fact]
    public async Task Evaluate_CaseFileIsALinkToDevZero_RefusedAtOnceAsADevice()
    {
        var link = Path.Combine(TestCases.TempDirectory(), "case.json");
        File.CreateSymbolicLink(link, "/dev/zero");

        var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", link, "--rules", TestPaths.Rules).WaitAsync(Patience);

        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal($"error: the case file {link} is a character device, not a regular file; only regular files are read\n", stderr);
    }

    [Fact]
    public async Task Evaluate_CaseFileIsAFifoNobodyWritesTo_RefusedWithoutHanging()
    {
        var fifo = Path.Combine(TestCases.TempDirectory(), "case.json");
        using (var mkfifo = Process.Start("mkfifo", fifo)) await mkfifo.WaitForExitAsync();

        var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", fifo, "--rules", TestPaths.Rules).WaitAsync(Patience);

        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal($"error: the case file {fifo} is a FIFO (named pipe), not a regular file; only regular files are read\n", stderr);
    }

    [Fact]
    public async Task Evaluate_CaseFileIsAFolder_RefusedSayingSo()
    {
        var folder = TestCases.TempDirectory();

        var (exit, stdout, stderr) = await CliRunner.Run("", "evaluate", folder, "--rules", TestPaths.Rules).WaitAsync(Patience);

        Assert.Equal((2, ""), (exit, stdout));
        Assert.StartsWith($"error: the case file {folder} is a folder", stderr, StringComparison.Ordinal);
        AssertNoCrash(stderr);
    }

    [Fact]
    public async Task Evaluate_SparseTwoGigabyteCaseFile_RefusedWithALowPeakWorkingSet()
    {
        var path = Path.Combine(TestCases.TempDirectory(), "case.json");
        await using (var sparse = new FileStream(path, FileMode.CreateNew)) sparse.SetLength(2L << 30);

        var (exit, stdout, stderr, peak) = await RunMeasured(null, "evaluate", path, "--rules", TestPaths.Rules);

        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal($"error: the case file {path} is larger than 8 MiB, the most one file may hold\n", stderr);
        AssertLowPeak(peak);
    }

    [Fact]
    public async Task Evaluate_SixtyFourMegabytesOnStandardInput_RefusedAfterTheLimitWithALowPeakWorkingSet()
    {
        var input = new byte[64 << 20];
        Array.Fill(input, (byte)' ');

        var (exit, stdout, stderr, peak) = await RunMeasured(input, "evaluate", "-", "--rules", TestPaths.Rules);

        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal("error: The case in standard input is not valid (1 problem):\n  $: the case is longer than 8,388,608 bytes; a case is one account snapshot, so leave out grants that are spent and expired\n", stderr);
        AssertLowPeak(peak);
    }

    [Fact]
    public async Task Sweep_LineLongerThanACase_ErrorRecordAndTheNextLineDecided()
    {
        var longLine = new byte[10 << 20];
        Array.Fill(longLine, (byte)' ');
        longLine[0] = (byte)'{';
        byte[] ndjson = [.. longLine, (byte)'\n', .. Case(), (byte)'\n'];

        var (exit, stdout, stderr) = await CliRunner.Run(ndjson, "sweep", "--cases", "-", "--rules", TestPaths.Rules, "--parallel", "1").WaitAsync(Patience);

        Assert.True(exit == 0, stderr);
        var records = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();
        Assert.Equal(2, records.Length);
        Assert.Equal("the line is longer than 8,388,608 bytes; a case is one account snapshot", (string?)records[0]["error"]!["problems"]![0]!["message"]);
        Assert.Equal("permit", (string?)records[1]["decision"]!["outcome"]);
    }

    private static void AssertNames(string expected, IEnumerable<string> problems, string name)
    {
        var list = problems.ToArray();
        Assert.True(list.Any(p => p.StartsWith(expected, StringComparison.Ordinal)),
            $"{name}: no problem starting '{expected}' in:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", list)}");
    }

    private static void AssertNoCrash(string stderr)
    {
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    private static void AssertLowPeak(long peakKib) =>
        Assert.True(peakKib is > 0 and < 300 * 1024, $"the command's peak working set was {peakKib / 1024} MiB");

    private static JObject Parse(string line)
    {
        using var reader = new Newtonsoft.Json.JsonTextReader(new StringReader(line)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None, FloatParseHandling = Newtonsoft.Json.FloatParseHandling.Decimal };
        return JObject.Load(reader);
    }

    /// <summary>
    /// Runs the built command in a process of its own and measures its peak resident set: with GNU time where there is one
    /// (its maximum resident set size), else by sampling /proc/PID/status (VmHWM) until it exits.
    /// </summary>
    private static async Task<(int Exit, string Out, string Err, long PeakKib)> RunMeasured(byte[]? stdin, params string[] args)
    {
        const string Time = "/usr/bin/time";
        var cli = Path.Combine(AppContext.BaseDirectory, "CreditPolicy.Cli.dll");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var timed = File.Exists(Time);
        var start = timed ? new ProcessStartInfo(Time, ["-f", "peak-rss-kib=%M", dotnet, cli, .. args]) : new ProcessStartInfo(dotnet, [cli, .. args]);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var feed = Task.Run(async () =>
        {
            try
            {
                if (stdin is not null) await process.StandardInput.BaseStream.WriteAsync(stdin);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command stopped reading at its limit and exited: the rest of the input has nowhere to go.
            }
        });
        long sampled = 0;
        using var timeout = new CancellationTokenSource(Patience);
        while (!process.HasExited)
        {
            if (!timed) sampled = Math.Max(sampled, VmHwm(process.Id));
            await Task.Delay(10, timeout.Token);
        }

        await process.WaitForExitAsync(timeout.Token);
        await feed;
        var err = await error;
        var peak = sampled;
        if (timed)
        {
            // GNU time adds its report, and a line saying the status when it is not 0, which it exits with too.
            var match = PeakLine().Match(err);
            Assert.True(match.Success, "GNU time did not report: " + err);
            peak = long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            err = string.Concat(err.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !PeakLine().IsMatch(l) && !l.StartsWith("Command exited with non-zero status", StringComparison.Ordinal))
                .Select(l => l + "\n"));
        }

        return (process.ExitCode, await output, err, peak);

        static long VmHwm(int pid)
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    [GeneratedRegex(@"peak-rss-kib=(\d+)\n?")]
    private static partial Regex PeakLine();
}
