using System.Globalization;
using System.Text;
using Bogus;
using CreditPolicy.Batch;
using CreditPolicy.Cli.Generation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Serialization.JsonNet;

namespace CreditPolicy.Tests.Json;

/// <summary>
/// The fast reader against the token walker it stands in front of: for every input, reading fast and falling back gives
/// exactly what the walker alone gives (the same case, decimal scales included, or the same problems at the same lines
/// and columns), through <see cref="CaseJson.Read(string)"/>, <see cref="CaseJson.Read(TextReader)"/> and
/// <see cref="NdjsonCases.Read"/>.
/// </summary>
public sealed class FastCaseReaderTests
{
    private const int Seed = 4242;

    private const int GeneratedCases = 20_000;

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Json", "Hostile");

    private static readonly string Example = File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json"));

    // The walker's own converter settings: the oracle for instants.
    private static readonly JsonSerializer NodaSerializer =
        JsonSerializer.Create(new JsonSerializerSettings { DateParseHandling = DateParseHandling.None }.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb));

    [Fact]
    public void TryRead_GeneratedCases_SameResultAsTheWalkerAndReadFast()
    {
        var generator = new CaseGenerator(Seed);
        var fast = 0;
        for (var i = 0; i < GeneratedCases; i++)
        {
            var json = generator.Generate(i).Json;
            var indented = i % 2 == 0;
            var text = CaseJsonWriter.ToJson(json, indented);
            var context = $"seed {Seed}, case {i}";

            AssertSameEverywhere(text, context, alsoTextReader: i % 10 == 0);
            if (FastCaseReader.TryRead(text) is not null) fast++;
        }

        // Every generated case is valid and plainly written: none should need the walker.
        Assert.Equal(GeneratedCases, fast);
    }

    public static TheoryData<string> HostileFiles() => new(Directory.GetFiles(Folder).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void Read_HostileFile_SameResultAsTheWalker(string file)
    {
        var path = Path.Combine(Folder, file);
        var text = File.ReadAllText(path);

        AssertSameEverywhere(text, file, alsoTextReader: true);

        CaseReadResult expected, actual;
        using (var reader = File.OpenText(path)) expected = CaseJson.ReadSlow(reader);
        using (var reader = File.OpenText(path)) actual = CaseJson.Read(reader);
        AssertSame(expected, actual, file + " (file reader)");
    }

    [Fact]
    public void Read_FuzzMutants_SameResultAsTheWalker()
    {
        // The mutants of CaseFuzzTests, with its seed: dropped, retyped, swapped, renamed and cut fields.
        var generator = new CaseGenerator(777);
        var r = new Randomizer(777);
        var fast = 0;
        for (var i = 0; i < 6_000; i++)
        {
            var json = (JObject)generator.Generate(i).Json.DeepClone();
            var mutations = Enumerable.Range(0, r.Number(1, 3)).Select(_ => CaseFuzzTests.Mutate(json, r)).ToArray();
            var text = CaseJsonWriter.ToJson(json, indented: r.Bool());
            if (r.Bool(0.1f)) text = CaseFuzzTests.CutText(text, r);

            AssertSameEverywhere(text, $"seed 777, mutant {i} ({string.Join(", ", mutations)})", alsoTextReader: i % 10 == 0);
            if (FastCaseReader.TryRead(text) is not null) fast++;
        }

        Assert.True(fast > 300, $"only {fast} mutants were read fast");
    }

    /// <summary>Edits of examples/use.json aimed at the fast reader's edges: how numbers, instants, strings and documents may be spelt.</summary>
    public static TheoryData<string, string, string> Edits()
    {
        var data = new TheoryData<string, string, string>();
        string[] numbers =
        [
            "0", "0.0", "00", "012", "0.5", "05.5", "1e2", "1E+2", "1.5e1", "-0", "-0.0", "-12.5", "12.50", "12.500000", "1.", ".5", "1.2.3",
            "123456789012345678", "1234567890123456789", "12345678901234567890", "99999999999999999999999999999",
            "79228162514264337593543950335", "79228162514264337593543950336", "0.000000000000000001", "0.0000000000000000000000000001",
            "1.0000000000000000000000000001", "12345678901234567.8", "1234567890123456.78", "0x10", "NaN", "Infinity", "-Infinity", "+5",
            "\"5\"", "null", "true", "[]", "{}", "[1]", "undefined", "5 ",
        ];
        foreach (var n in numbers)
        {
            data.Add("request.amount " + n, "\"amount\": 32.50", "\"amount\": " + n);
            data.Add("threshold " + n, "\"threshold\": 10.00", "\"threshold\": " + n);
            data.Add("remaining " + n, "\"remaining\": 40.00", "\"remaining\": " + n);
            data.Add("pendingReloadAmount " + n, "\"pendingReloadAmount\": 0", "\"pendingReloadAmount\": " + n);
        }

        foreach (var instant in InstantSpellings())
        {
            data.Add("asOf " + instant, "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": \"" + instant + "\"");
            data.Add("confirmedAt " + instant, "\"confirmedAt\": \"2026-02-01T10:00:00Z\"", "\"confirmedAt\": \"" + instant + "\"");
        }

        string[] strings =
        [
            "\"\"", "\" \"", "\"\\u0061cct_1\"", "\"acct\\\"1\"", "\"acct\\/1\"", "\"é\"", "\"😀\"", "\"\\ud83d\\ude00\"", "\"\ud800\"", "\"\\ud800\"",
            "\"\\udc00x\"", "\"a\u0001b\"", "\"a\tb\"", "'acct_1'", "acct_1", "null", "5", "true", "{}", "[]",
        ];
        foreach (var s in strings)
        {
            data.Add("account.id " + s, "\"id\": \"acct_1\"", "\"id\": " + s);
            data.Add("timeZone " + s, "\"timeZone\": \"America/New_York\"", "\"timeZone\": " + s);
            data.Add("requestedBy " + s, "\"requestedBy\": \"acct_1\"", "\"requestedBy\": " + s);
        }

        string[] enums = ["\"open\"", "\"closed\"", "\"Open\"", "\"\\u006fpen\"", "\"open \"", "null", "\"\""];
        foreach (var e in enums) data.Add("status " + e, "\"status\": \"open\"", "\"status\": " + e);
        string[] kinds = ["\"usage\"", "\"promotional\"", "\"Usage\"", "\"gift\"", "null"];
        foreach (var k in kinds) data.Add("kind " + k, "\"kind\": \"usage\"", "\"kind\": " + k);
        string[] sources = ["\"purchase\"", "\"balanceMaintenance\"", "\"promotion\"", "\"Purchase\"", "null", "\"\""];
        foreach (var s in sources) data.Add("source " + s, "\"source\": \"purchase\"", "\"source\": " + s);
        string[] types = ["\"use\"", "\"USE\"", "\"refund\"", "\"balance\"", "\"withdraw\"", "null", "\"u\\u0073e\""];
        foreach (var t in types) data.Add("type " + t, "\"type\": \"use\"", "\"type\": " + t);
        string[] bools = ["true", "false", "null", "1", "\"true\"", "True"];
        foreach (var b in bools)
        {
            data.Add("enabled " + b, "\"enabled\": true", "\"enabled\": " + b);
            data.Add("paymentMethodOnFile " + b, "\"paymentMethodOnFile\": true", "\"paymentMethodOnFile\": " + b);
        }

        string[] schemas = ["5", "null", "true", "{}", "[1, [2]]", "{\"a\": {\"b\": [1]}}", "\"\"", "\"\\u0041\""];
        foreach (var s in schemas) data.Add("$schema " + s, "\"$schema\": \"../rules/schema/case.schema.json\"", "\"$schema\": " + s);

        // Optional fields null or absent, required ones null, unknown and repeated fields at every level.
        data.Add("grants null", "\"grants\": [", "\"grants\": null, \"x\": [");
        data.Add("grants empty", "\"grants\": [", "\"grants\": [], \"x\": [");
        data.Add("grants of null", "\"grants\": [", "\"grants\": [null, ");
        data.Add("grants of a string", "\"grants\": [", "\"grants\": [\"g\", ");
        data.Add("grants nested array", "\"grants\": [", "\"grants\": [[], ");
        data.Add("grants an object", "\"grants\": [", "\"grants\": {}, \"x\": [");
        data.Add("account null", "\"account\": {", "\"account\": null, \"x\": {");
        data.Add("account an array", "\"account\": {", "\"account\": [], \"x\": {");
        data.Add("request null", "\"request\": {", "\"request\": null, \"x\": {");
        data.Add("asOf null", "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": null");
        data.Add("asOf absent", "\"asOf\": \"2026-11-25T10:00:00Z\",", "");
        data.Add("schema absent", "\"$schema\": \"../rules/schema/case.schema.json\",", "");
        data.Add("balanceMaintenance null", "\"balanceMaintenance\": {", "\"balanceMaintenance\": null, \"x\": {");
        data.Add("balanceMaintenance a string", "\"balanceMaintenance\": {", "\"balanceMaintenance\": \"on\", \"x\": {");
        data.Add("closedAt absent", "\"closedAt\": null,", "");
        data.Add("optedOutAt absent", "\"optedOutAt\": null, ", "");
        data.Add("pending absent", ", \"pendingReloadAmount\": 0", "");
        data.Add("onFile absent", "\"paymentMethodOnFile\": true, ", "");
        data.Add("threshold absent", "\"threshold\": 10.00, ", "");
        data.Add("zone absent", "\"timeZone\": \"America/New_York\",", "");
        data.Add("source absent", ",\n      \"source\": \"purchase\"", "");
        data.Add("termsVersion", "\"status\": \"open\",", "\"status\": \"open\", \"termsVersion\": \"2026-11-24\",");
        data.Add("termsVersion null", "\"status\": \"open\",", "\"status\": \"open\", \"termsVersion\": null,");
        data.Add("termsVersion empty", "\"status\": \"open\",", "\"status\": \"open\", \"termsVersion\": \"\",");
        data.Add("termsVersion blank", "\"status\": \"open\",", "\"status\": \"open\", \"termsVersion\": \" \",");
        data.Add("until on use", "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\", \"until\": \"2027-01-01T00:00:00Z\"");
        data.Add("grantId on use", "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\", \"grantId\": null, \"toAccountId\": null, \"until\": null");
        data.Add("requestedBy null", "\"requestedBy\": \"acct_1\"", "\"requestedBy\": null");
        data.Add("amount null", "\"amount\": 32.50", "\"amount\": null");
        data.Add("unknown top", "\"asOf\":", "\"extra\": 1, \"asOf\":");
        data.Add("unknown account", "\"status\": \"open\",", "\"status\": \"open\", \"Status\": \"open\",");
        data.Add("unknown grant", "\"kind\": \"usage\",", "\"kind\": \"usage\", \"expiresAT\": null,");
        data.Add("unknown maintenance", "\"enabled\": true,", "\"enabled\": true, \"schema\": 1,");
        data.Add("unknown request", "\"type\": \"use\",", "\"type\": \"use\", \"note\": \"x\",");
        data.Add("$schema nested", "\"status\": \"open\",", "\"status\": \"open\", \"$schema\": \"x\",");
        data.Add("escaped name", "\"asOf\":", "\"\\u0061sOf\":");
        data.Add("escaped name twice", "\"asOf\": \"2026-11-25T10:00:00Z\",", "\"asOf\": \"2026-11-25T10:00:00Z\", \"\\u0061sOf\": \"2026-11-25T10:00:00Z\",");
        data.Add("duplicate top", "\"asOf\": \"2026-11-25T10:00:00Z\",", "\"asOf\": \"2026-11-25T10:00:00Z\", \"asOf\": \"2026-11-25T10:00:00Z\",");
        data.Add("duplicate schema", "\"asOf\":", "\"$schema\": 1, \"asOf\":");
        data.Add("duplicate account", "\"status\": \"open\",", "\"status\": \"open\", \"status\": \"open\",");
        data.Add("duplicate grant field", "\"kind\": \"usage\",", "\"kind\": \"usage\", \"kind\": \"usage\",");
        data.Add("duplicate maintenance", "\"enabled\": true,", "\"enabled\": true, \"enabled\": true,");
        data.Add("duplicate request", "\"type\": \"use\",", "\"type\": \"use\", \"type\": \"use\",");
        data.Add("duplicate null", "\"closedAt\": null,", "\"closedAt\": null, \"closedAt\": null,");
        data.Add("duplicate grant id", "\"id\": \"g2\"", "\"id\": \"g1\"");
        data.Add("unquoted name", "\"asOf\":", "asOf:");
        data.Add("single-quoted name", "\"asOf\":", "'asOf':");
        data.Add("comment inside", "\"asOf\":", "/* c */ \"asOf\":");
        data.Add("line comment inside", "\"asOf\":", "// c\n  \"asOf\":");
        data.Add("trailing comma object", "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\",");
        data.Add("trailing comma array", "\"expiresAt\": \"2026-12-01T00:00:00Z\" }", "\"expiresAt\": \"2026-12-01T00:00:00Z\" },");
        data.Add("missing comma", "\"status\": \"open\",", "\"status\": \"open\"");
        data.Add("nul inside", "\"asOf\":", "\0\"asOf\":");
        data.Add("non-breaking space", "\"asOf\":", "\u00a0\"asOf\":");
        data.Add("form feed", "\"asOf\":", "\f\"asOf\":");
        data.Add("tabs and returns", "\"asOf\":", "\t\r\n\"asOf\":");
        return data;
    }

    [Theory]
    [MemberData(nameof(Edits), DisableDiscoveryEnumeration = true)]
    public void Read_Edit_SameResultAsTheWalker(string name, string oldText, string newText)
    {
        var index = Example.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(index >= 0, $"{name}: '{oldText}' is not in examples/use.json");
        var text = Example[..index] + newText + Example[(index + oldText.Length)..];

        AssertSameEverywhere(text, name, alsoTextReader: true);
    }

    public static TheoryData<string, string> Documents() => new()
    {
        { "as it is", Example },
        { "byte order mark", "\ufeff" + Example },
        { "leading comment", "/* c */" + Example },
        { "trailing comment", Example + "// c" },
        { "trailing object", Example + "{}" },
        { "trailing word", Example + " x" },
        { "trailing whitespace", Example + "\n\n \t\r\n" },
        { "trailing nul", Example + "\0" },
        { "leading whitespace", " \t\r\n" + Example },
        { "two documents on a line", Example.Replace("\n", "", StringComparison.Ordinal) + Example.Replace("\n", "", StringComparison.Ordinal) },
        { "on one line", Example.Replace("\n", "", StringComparison.Ordinal) },
        { "CRLF", Example.Replace("\n", "\r\n", StringComparison.Ordinal) },
        { "cut", Example[..400] },
        { "empty", "" },
        { "blank", "   " },
        { "null", "null" },
        { "array", "[" + Example + "]" },
        { "string", "\"case\"" },
        { "minimal", """{"asOf":"2026-11-25T10:00:00Z","account":{"id":"a","status":"open"},"grants":[],"request":{"type":"balance"}}""" },
        { "minimal without grants", """{"asOf":"2026-11-25T10:00:00Z","account":{"id":"a","status":"open"},"request":{"type":"balance"}}""" },
        { "minimal fields last to first", """{"request":{"type":"balance"},"grants":[],"account":{"status":"open","id":"a"},"asOf":"2026-11-25T10:00:00Z"}""" },
    };

    [Theory]
    [MemberData(nameof(Documents), DisableDiscoveryEnumeration = true)]
    public void Read_Document_SameResultAsTheWalker(string name, string text) => AssertSameEverywhere(text, name, alsoTextReader: true);

    [Fact]
    public void Read_LongerThanTheLimit_SameProblemAsTheWalker()
    {
        var grant = """{"id":"gID","kind":"promotional","holderAccountId":"acct_1","amount":1.00,"remaining":1.00,"issuedAt":"2026-01-05T00:00:00Z"}""";
        var text = new StringBuilder("""{"asOf":"2026-11-25T10:00:00Z","account":{"id":"acct_1","status":"open"},"request":{"type":"balance"},"grants":[""");
        for (var i = 0; text.Length <= CaseJson.MaxLength; i++) text.Append(i == 0 ? "" : ",").Append(grant.Replace("ID", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        text.Append("]}");
        var path = Path.Combine(Path.GetTempPath(), $"creditpolicy-fast-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text.ToString());
        try
        {
            AssertSameEverywhere(text.ToString(), "over the limit", alsoTextReader: true);
            CaseReadResult expected, actual;
            using (var reader = File.OpenText(path)) expected = CaseJson.ReadSlow(reader);
            using (var reader = File.OpenText(path)) actual = CaseJson.Read(reader);

            AssertSame(expected, actual, "over the limit (file reader)");
            Assert.StartsWith("the case is longer than", Assert.Single(actual.Problems).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Instant_ManySpellings_ReadAsTheWalkersConverterReadsThem()
    {
        var r = new Randomizer(Seed);
        string[] years = ["0000", "0001", "1969", "2024", "2026", "9999", "10000", "-001", "202"];
        string[] months = ["00", "01", "02", "12", "13", "1"];
        string[] days = ["00", "01", "28", "29", "30", "31", "32"];
        string[] hours = ["00", "23", "24", "7"];
        string[] minutes = ["00", "59", "60"];
        string[] seconds = ["00", "59", "60", "5"];
        string[] fractions = ["", ".", ".0", ".1", ".000000001", ".123456789", ".1234567890", ".5000", ",5", ".x"];
        string[] offsets = ["Z", "z", "+00:00", "-00:00", "+14:00", "-12:00", "+17:59", "+18:00", "-18:00", "+18:01", "+05:45", "-03:30", "+5:00", "+0500", "+05", "", " Z", "Z ", "+05:60", "+24:00", "UTC"];
        var spellings = InstantSpellings().ToList();
        for (var i = 0; i < 20_000; i++)
        {
            spellings.Add($"{r.ArrayElement(years)}-{r.ArrayElement(months)}-{r.ArrayElement(days)}T{r.ArrayElement(hours)}:{r.ArrayElement(minutes)}:{r.ArrayElement(seconds)}{r.ArrayElement(fractions)}{r.ArrayElement(offsets)}");
        }

        foreach (var text in spellings)
        {
            // The walker's reading: an instant, not one (a problem), or an exception that escapes (past the end of time).
            string expected;
            try
            {
                expected = new JValue(text).ToObject<OffsetDateTime>(NodaSerializer).ToInstant().ToString();
            }
            catch (Exception ex) when (ex is JsonException or FormatException or NodaTime.Text.UnparsableValueException or NodaTime.Utility.InvalidNodaDataException)
            {
                expected = "not an instant";
            }
            catch (OverflowException)
            {
                expected = "overflow";
            }

            string actual;
            try
            {
                actual = FastCaseReader.Instant(Encoding.UTF8.GetBytes(text))?.ToString() ?? "not an instant";
            }
            catch (OverflowException)
            {
                actual = "overflow";
            }

            Assert.True(expected == actual, $"seed {Seed}: \"{text}\" is {actual} to the fast path, {expected} to the walker");
        }
    }

    [Fact]
    public void Decimal_ManySpellings_ReadAsJsonNetReadsThem()
    {
        var r = new Randomizer(Seed);
        var spellings = new List<string>();
        for (var i = 0; i < 20_000; i++)
        {
            var whole = r.Bool(0.2f) ? "0" : r.Number(1, 9) + new string(r.Chars('0', '9', r.Number(0, 17)));
            var fraction = r.Bool(0.3f) ? "" : "." + new string(r.Chars('0', '9', r.Number(0, 12)));
            spellings.Add(whole + fraction);
        }

        foreach (var text in spellings)
        {
            decimal? expected;
            using (var reader = CaseJson.CreateReader(new StringReader(text)))
            {
                try
                {
                    reader.Read();
                    expected = reader.Value switch
                    {
                        decimal d => d,
                        long l => l,
                        _ => null,
                    };
                }
                catch (JsonReaderException)
                {
                    expected = null;
                }
            }

            var actual = FastCaseReader.Decimal(Encoding.ASCII.GetBytes(text));

            // The fast reader may decline (long numbers); what it reads must be what Json.NET reads, scale included.
            if (actual is { } a)
            {
                Assert.True(expected is { } e && decimal.GetBits(e).SequenceEqual(decimal.GetBits(a)), $"seed {Seed}: {text} read as {a}, Json.NET reads {expected}");
            }
            else
            {
                Assert.True(text.Replace(".", "", StringComparison.Ordinal).Length > 18 || text.EndsWith('.'), $"seed {Seed}: {text} was declined");
            }
        }
    }

    private static IEnumerable<string> InstantSpellings() =>
    [
        "2026-11-25T10:00:00Z", "2026-11-25T10:00:00.5Z", "2026-11-25T10:00:00.123456789Z", "2026-11-25T10:00:00.1234567890Z",
        "2026-11-25T10:00:00.Z", "2026-11-25T10:00:00,5Z", "2026-11-25T05:00:00-05:00", "2026-11-25T15:45:00+05:45",
        "2026-11-25T10:00:00+00:00", "2026-11-25T10:00:00-00:00", "2026-11-25T10:00:00+18:00", "2026-11-25T10:00:00-18:00",
        "2026-11-25T10:00:00+17:59", "2026-11-25T10:00:00+18:01", "2026-11-25T10:00:00z", "2026-11-25t10:00:00Z",
        "2026-11-25 10:00:00Z", "2026-11-25T10:00:00", "2026-11-25T10:00Z", "2026-11-25", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T23:59:60Z", "0001-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00",
        "-0001-01-01T00:00:00Z", "+2026-11-25T10:00:00Z", "12026-11-25T10:00:00Z", "2026-11-25T10:00:00+0500", "2026-11-25T10:00:00+05",
        "2026-11-25T10:00:00 Z", " 2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z ", "2026-11-25T10:00:00.1234567+05:30",
        "２０２６-11-25T10:00:00Z", "2026-11-25T10:00:00.٣Z", "yesterday", "", "1764064800",
    ];

    /// <summary>Reads the text every way and fails unless fast-then-walker gives exactly what the walker alone gives (or throws what it throws).</summary>
    private static void AssertSameEverywhere(string text, string context, bool alsoTextReader)
    {
        AssertSame(() => CaseJson.ReadSlow(new StringReader(text)), () => CaseJson.Read(text), context + " (string)");
        if (alsoTextReader) AssertSame(() => CaseJson.ReadSlow(new StringReader(text)), () => CaseJson.Read(new StringReader(text)), context + " (reader)");

        var line = new NdjsonLine(7, text);
        var (expected, expectedError) = Run(() => NdjsonCases.ReadSlow(line));
        var (actual, actualError) = Run(() => NdjsonCases.Read(line));
        AssertSameError(expectedError, actualError, context + " (NDJSON)");
        if (expected is null || actual is null) return;
        Assert.True(expected.Line == actual.Line && expected.AccountId == actual.AccountId, $"{context} (NDJSON): line {actual.Line}, account {actual.AccountId}; the walker says line {expected.Line}, account {expected.AccountId}");
        AssertSame(new CaseReadResult(expected.Case, expected.Problems), new CaseReadResult(actual.Case, actual.Problems), context + " (NDJSON)");
    }

    private static void AssertSame(Func<CaseReadResult> walker, Func<CaseReadResult> fast, string context)
    {
        var (expected, expectedError) = Run(walker);
        var (actual, actualError) = Run(fast);
        AssertSameError(expectedError, actualError, context);
        if (expected is not null && actual is not null) AssertSame(expected, actual, context);
    }

    /// <summary>Where the walker throws (an instant past the end of time, for one), the fast path must throw the same.</summary>
    private static void AssertSameError(Exception? expected, Exception? actual, string context) =>
        Assert.True(
            expected?.GetType() == actual?.GetType() && expected?.Message == actual?.Message,
            $"{context}: the walker {(expected is null ? "returned" : "threw " + expected.GetType().Name)}, the fast path {(actual is null ? "returned" : "threw " + actual)}");

    private static (T? Value, Exception? Error) Run<T>(Func<T> read)
        where T : class
    {
        try
        {
            return (read(), null);
        }
        catch (Exception ex)
        {
            return (null, ex);
        }
    }

    private static readonly Grant[] NoGrants = [];

    private static void AssertSame(CaseReadResult expected, CaseReadResult actual, string context)
    {
        Assert.True(
            expected.Problems.SequenceEqual(actual.Problems),
            $"{context}: problems differ{Environment.NewLine}walker: {string.Join("; ", expected.Problems)}{Environment.NewLine}fast:   {string.Join("; ", actual.Problems)}");
        Assert.True(expected.Case is null == actual.Case is null, $"{context}: the walker read {(expected.Case is null ? "no case" : "a case")}, the fast path {(actual.Case is null ? "none" : "one")}");
        if (expected.Case is { } e && actual.Case is { } a)
        {
            Assert.Equal(Fingerprint(e), Fingerprint(a));
            Assert.True(e with { Grants = NoGrants } == a with { Grants = NoGrants } && e.Grants.SequenceEqual(a.Grants), $"{context}: the cases differ");
            Assert.Equal(e.Grants.GetType(), a.Grants.GetType());
        }
    }

    /// <summary>The canonical form, which the records' equality does not fully see: decimal scales and signs, and the pinned terms version.</summary>
    private static string Fingerprint(CreditCase c)
    {
        var decimals = new List<decimal>();
        if (c.Account.BalanceMaintenance is { } m) decimals.AddRange([m.Threshold, m.ReloadAmount, m.PendingReloadAmount]);
        foreach (var g in c.Grants) decimals.AddRange([g.Amount, g.Remaining]);
        if (c.Request.Amount is { } amount) decimals.Add(amount);
        return CanonicalCase.Serialize(c) + " | " + c.Account.TermsVersion + " | "
            + string.Join(" ", decimals.Select(d => string.Join(":", decimal.GetBits(d))));
    }
}
