using System.Globalization;
using System.Text;
using CreditPolicy.Batch;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy.Tests.Json;

/// <summary>
/// The one case reader (<see cref="RuleCatalogue.ReadCase(ReadOnlySpan{byte})"/>): what it reads (types, defaults, exact
/// numbers, instants, escapes) and how it reports what it refuses (path, line, column, message).
/// </summary>
public sealed class CaseReaderTests
{
    // One field per line, so every expected line number below can be read off this text.
    private const string Valid = """
        {
          "asOf": "2026-11-25T10:00:00Z",
          "account": {
            "id": "acct_1",
            "status": "open",
            "timeZone": "America/New_York"
          },
          "grants": [
            {
              "id": "g1",
              "kind": "usage",
              "holderAccountId": "acct_1",
              "amount": 100.00,
              "remaining": 40.00,
              "issuedAt": "2026-02-01T09:00:00Z",
              "confirmedAt": "2026-02-01T10:00:00Z",
              "source": "purchase"
            },
            {
              "id": "g2",
              "kind": "promotional",
              "holderAccountId": "acct_1",
              "amount": 20,
              "remaining": 20,
              "issuedAt": "2026-01-05T00:00:00Z",
              "expiresAt": "2026-12-01T00:00:00Z"
            }
          ],
          "request": {
            "type": "use",
            "amount": 32.50,
            "requestedBy": "acct_1"
          }
        }
        """;

    private static readonly string Example = File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json"));

    private static CaseReadResult Read(string json) => BundledRules.Catalogue.ReadCase(json);

    [Fact]
    public void ReadCase_ExampleUseCase_ReadsEveryField()
    {
        var result = Read(Example);

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        Assert.Empty(result.Problems);
        var c = result.Case!;
        Assert.Equal(CaseBuilder.At("2026-11-25T10:00:00Z"), c.AsOf);
        Assert.Equal("acct_1", c.Account.Id);
        Assert.Null(c.Account.TermsVersion);
        Assert.Equal(
            ["id = acct_1", "status = open", "closedAt = ", "timeZone = America/New_York", "balanceMaintenance = present"],
            c.Account.Attributes.Select(a => $"{a.Key} = {(a.Value is CaseObject o ? (o.Present ? "present" : "absent") : Text(a.Value))}"));
        var maintenance = Assert.IsAssignableFrom<CaseObject>(c.Account.Get("balanceMaintenance"));
        Assert.Equal(
            ["enabled = True", "threshold = 10.00", "reloadAmount = 50.00", "paymentMethodOnFile = True", "optedOutAt = ", "pendingReloadAmount = 0"],
            maintenance.Attributes.Select(a => $"{a.Key} = {Text(a.Value)}"));

        Assert.Equal(["g1", "g2"], c.Grants.Select(g => g.Id));
        var g1 = c.Grants[0];
        Assert.Equal(("usage", 40.00m), (g1.Kind, g1.Remaining));
        Assert.Equal(
            ["id = g1", "kind = usage", "holderAccountId = acct_1", "amount = 100.00", "remaining = 40.00", "issuedAt = 2026-02-01T09:00:00Z",
             "confirmedAt = 2026-02-01T10:00:00Z", "expiresAt = ", "source = purchase"],
            g1.Attributes.Select(a => $"{a.Key} = {Text(a.Value)}"));
        Assert.Equal(CaseBuilder.At("2026-12-01T00:00:00Z"), c.Grants[1].Get("expiresAt"));

        Assert.Equal("use", c.Request.Type);
        Assert.Null(c.Request.TargetGrantId);
        Assert.Equal(["amount = 32.50", "requestedBy = acct_1"], c.Request.Attributes.Select(a => $"{a.Key} = {Text(a.Value)}"));
    }

    [Fact]
    public void Get_AttributeTheVocabularyDoesNotDeclare_ThrowsNamingTheDeclaredOnes()
    {
        var c = Read(Valid).Case!;

        var ex = Assert.Throws<KeyNotFoundException>(() => c.Request.Get("grantId"));

        Assert.Contains("'grantId' is not an attribute of", ex.Message, StringComparison.Ordinal);
        Assert.Contains("amount, requestedBy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCase_EveryInputPath_ReadsTheSameCaseOrTheSameProblems()
    {
        // One reader behind every door: text, bytes, a stream, the policy's ReadCase and an NDJSON line.
        ICreditPolicy policy = BundledRules.Engine;
        foreach (var json in new[] { Valid, Edit("\"remaining\": 40.00", "\"remaining\": 400"), Edit("\"kind\": \"usage\"", "\"kind\": \"gift\""), "{", "" })
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            var expected = Read(json);
            CaseReadResult[] others =
            [
                BundledRules.Catalogue.ReadCase(bytes),
                BundledRules.Catalogue.ReadCase(new MemoryStream(bytes)),
                policy.ReadCase(json),
                policy.ReadCase(bytes),
            ];
            var line = NdjsonCases.Read(new NdjsonLine(1, bytes), policy);

            foreach (var other in others.Append(new CaseReadResult(line.Case, line.Problems)))
            {
                Assert.Equal(expected.Problems, other.Problems);
                Assert.Equal(expected.IsValid, other.IsValid);
                if (expected.IsValid) Assert.Equal(CanonicalCase.Serialize(expected.Case!), CanonicalCase.Serialize(other.Case!));
            }
        }
    }

    /// <summary>An edit of <see cref="Valid"/> and the one problem it must give: JSON path, line, message.</summary>
    public static TheoryData<string, string, string, int, string> OneProblem => new()
    {
        // Wrong types.
        { "\"amount\": 100.00", "\"amount\": \"100.00\"", "grants[0].amount", 13, "expected a number (a decimal amount such as 12.50), got the string \"100.00\"" },
        { "\"status\": \"open\"", "\"status\": true", "account.status", 5, "expected a string, got true" },
        { "\"id\": \"g2\"", "\"id\": 2", "grants[1].id", 20, "expected a string, got the number 2" },
        { "\"account\": {\n    \"id\": \"acct_1\",", "\"account\": {\n    \"id\": \"\",", "account.id", 4, "expected a non-empty string" },
        { "\"amount\": 32.50", "\"amount\": [32.50]", "request.amount", 31, "expected a number (a decimal amount such as 12.50), got an array" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": {}", "asOf", 2, "expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got an object" },
        // Missing required fields are reported at the object that lacks them.
        { "\"holderAccountId\": \"acct_1\",\n      \"amount\": 100.00,", "\"amount\": 100.00,", "grants[0].holderAccountId", 9, "required field is missing" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\",", "", "asOf", 1, "required field is missing" },
        { "\"holderAccountId\": \"acct_1\",\n      \"amount\": 100.00,", "\"holderAccountId\": null,\n      \"amount\": 100.00,", "grants[0].holderAccountId", 12, "required field is missing" },
        // Unknown fields.
        { "\"expiresAt\": \"2026-12-01T00:00:00Z\"", "\"expiresat\": \"2026-12-01T00:00:00Z\"", "grants[1].expiresat", 26, "unknown field; did you mean 'expiresAt'?" },
        { "\"expiresAt\": \"2026-12-01T00:00:00Z\"", "\"expirsAt\": \"2026-12-01T00:00:00Z\"", "grants[1].expirsAt", 26, "unknown field; did you mean 'expiresAt'?" },
        { "\"source\": \"purchase\"", "\"source\": \"purchase\", \"color\": \"red\"", "grants[0].color", 17, "unknown field; expected one of id, kind, holderAccountId, amount, remaining, issuedAt, confirmedAt, expiresAt, source" },
        { "\"timeZone\": \"America/New_York\"", "\"timeZone\": \"America/New_York\", \"tier\": 1", "account.tier", 6, "unknown field; expected one of id, status, closedAt, timeZone, balanceMaintenance, termsVersion" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\", \"note\": 1", "request.note", 32, "not a field of a 'use' request" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\", \"requestedby\": 1", "request.requestedby", 32, "unknown field; did you mean 'requestedBy'?" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\",", "\"asOf\": \"2026-11-25T10:00:00Z\", \"asof\": 1,", "asof", 2, "unknown field; did you mean 'asOf'?" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\",", "\"asOf\": \"2026-11-25T10:00:00Z\", \"extra\": 1,", "extra", 2, "unknown field; expected one of asOf, account, grants, request" },
        // Numbers a decimal cannot hold exactly.
        { "\"amount\": 100.00", "\"amount\": 100000000000000000000000000000000", "grants[0].amount", 13, "the number 100000000000000000000000000000000 is out of range for a decimal amount; it cannot be held exactly" },
        { "\"amount\": 100.00", "\"amount\": 1e30", "grants[0].amount", 13, "the number 1e30 is out of range for a decimal amount; it cannot be held exactly" },
        { "\"remaining\": 40.00", "\"remaining\": 1E-29", "grants[0].remaining", 14, "the number 1E-29 has more than 28 decimal places; a decimal cannot hold it exactly" },
        // Amounts that contradict each other or the vocabulary.
        { "\"remaining\": 40.00", "\"remaining\": -1", "grants[0].remaining", 14, "must not be negative, got -1" },
        { "\"remaining\": 40.00", "\"remaining\": 100.01", "grants[0].remaining", 14, "must not exceed amount" },
        { "\"id\": \"g2\"", "\"id\": \"g1\"", "grants[1].id", 19, "duplicate grant id \"g1\"; grant ids must be unique" },
        { "\"kind\": \"usage\"", "\"kind\": \"prepaid\"", "grants[0].kind", 11, "expected one of usage, promotional, got \"prepaid\"" },
        { "\"kind\": \"usage\"", "\"kind\": \"Usage\"", "grants[0].kind", 11, "expected one of usage, promotional, got \"Usage\"; did you mean 'usage'?" },
        { "\"source\": \"purchase\"", "\"source\": \"gift\"", "grants[0].source", 17, "expected one of purchase, balanceMaintenance, promotion, got \"gift\"" },
        { "\"issuedAt\": \"2026-01-05T00:00:00Z\"", "\"issuedAt\": \"2026-11-25T10:00:01Z\"", "grants[1].issuedAt", 25, "must not be after asOf (a snapshot cannot hold a grant not yet issued)" },
        { "\"confirmedAt\": \"2026-02-01T10:00:00Z\"", "\"confirmedAt\": \"2026-02-01T08:59:59Z\"", "grants[0].confirmedAt", 16, "must not be before issuedAt" },
        { "\"expiresAt\": \"2026-12-01T00:00:00Z\"", "\"expiresAt\": \"2026-01-04T23:59:59Z\"", "grants[1].expiresAt", 26, "must not be before issuedAt" },
        // The account.
        { "\"status\": \"open\",", "\"status\": \"open\", \"closedAt\": \"2026-11-01T00:00:00Z\",", "account.closedAt", 5, "must be absent or null when account.status is open" },
        { "\"status\": \"open\",", "\"status\": \"closed\", \"closedAt\": \"2026-11-26T00:00:00Z\",", "account.closedAt", 5, "must not be after asOf (a snapshot cannot hold a closure that has not happened)" },
        { "\"status\": \"open\",", "\"status\": \"closed\", \"closedAt\": null,", "account.closedAt", 5, "required when account.status is closed" },
        { "\"amount\": 32.50", "\"amount\": null", "request.amount", 31, "required field is missing" },
        { "\"status\": \"open\",", "\"status\": \"suspended\",", "account.status", 5, "expected one of open, closed, got \"suspended\"" },
        { "\"timeZone\": \"America/New_York\"", "\"timeZone\": \"Mars/Olympus\"", "account.timeZone", 6, "expected an IANA time zone id such as \"America/New_York\", got \"Mars/Olympus\"" },
        { "\"timeZone\": \"America/New_York\"", "\"timeZone\": \"america/new_york\"", "account.timeZone", 6, "expected an IANA time zone id such as \"America/New_York\", got \"america/new_york\"" },
        // The request.
        { "\"type\": \"use\"", "\"type\": \"chargeback\"", "request.type", 30, "expected one of use, refund, cashOut, transfer, sell, closeAccount, restore, expirations, reload, balance, got \"chargeback\"" },
        { "\"type\": \"use\"", "\"type\": \"USE\"", "request.type", 30, "expected one of use, refund, cashOut, transfer, sell, closeAccount, restore, expirations, reload, balance, got \"USE\"; did you mean 'use'?" },
        { "\"amount\": 32.50", "\"amount\": 0", "request.amount", 31, "must be greater than zero, got 0" },
        { "\"amount\": 32.50", "\"amount\": -5.5", "request.amount", 31, "must be greater than zero, got -5.5" },
        { "\"type\": \"use\",\n    \"amount\": 32.50,\n    \"requestedBy\": \"acct_1\"", "\"type\": \"refund\",\n    \"grantId\": \"g9\"", "request.grantId", 31, "no grant with id \"g9\" in grants" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\", \"grantId\": \"g1\"", "request.grantId", 32, "not a field of a 'use' request" },
        // Instants.
        { "\"issuedAt\": \"2026-01-05T00:00:00Z\"", "\"issuedAt\": \"2026-01-05T00:00:00\"", "grants[1].issuedAt", 25, "expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"2026-01-05T00:00:00\"" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": \"2026-02-30T10:00:00Z\"", "asOf", 2, "expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"2026-02-30T10:00:00Z\"" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": 1764064800", "asOf", 2, "expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the number 1764064800" },
        // Each field once, however it is spelt.
        { "\"status\": \"open\",", "\"status\": \"open\", \"status\": \"closed\",", "account.status", 5, "this field appears more than once; each field may be given once" },
        { "\"status\": \"open\",", "\"status\": \"open\", \"st\\u0061tus\": \"open\",", "account.status", 5, "this field appears more than once; each field may be given once" },
        { "\"type\": \"use\",", "\"type\": \"use\", \"type\": \"use\",", "request.type", 30, "this field appears more than once; each field may be given once" },
        // Strings: declared lengths, control characters, lone surrogates.
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"" + new string('a', 257) + "\"", "request.requestedBy", 32, "257 characters, more than the 256 this field may hold" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct\\u0000_1\"", "request.requestedBy", 32, "must not contain control characters (found U+0000)" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct\\n_1\"", "request.requestedBy", 32, "must not contain control characters (found U+000A)" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct\\u007f_1\"", "request.requestedBy", 32, "must not contain control characters (found U+007F)" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct\\ud800_1\"", "request.requestedBy", 32, "not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_\\ude00\\ud83d\"", "request.requestedBy", 32, "not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)" },
    };

    [Theory]
    [MemberData(nameof(OneProblem))]
    public void ReadCase_OneViolation_ReportsItWithPathAndLine(string oldText, string newText, string path, int line, string message)
    {
        var result = Read(Edit(oldText, newText));

        Assert.False(result.IsValid);
        Assert.Null(result.Case);
        var problem = Assert.Single(result.Problems);
        Assert.Equal((path, line, message), (problem.Path, problem.Line ?? -1, problem.Message));
    }

    /// <summary>Violations of fields that are absent: the line is that of the object that should hold them.</summary>
    public static TheoryData<string, string, string, int, string> AbsentField => new()
    {
        { "\"status\": \"open\"", "\"status\": \"closed\"", "account.closedAt", 3, "required when account.status is closed" },
        { "\"amount\": 32.50,\n", "", "request.amount", 29, "required for a 'use' request" },
        { "\"type\": \"use\",\n", "", "request.type", 29, "required field is missing" },
    };

    [Theory]
    [MemberData(nameof(AbsentField))]
    public void ReadCase_ViolationOnAbsentField_ReportsPathAndLineOfItsObject(string oldText, string newText, string path, int line, string message)
    {
        var problem = Assert.Single(Read(Edit(oldText, newText)).Problems);

        Assert.Equal((path, message), (problem.Path, problem.Message));
        Assert.Equal(line, problem.Line);
    }

    [Fact]
    public void ReadCase_FieldsThatDoNotBelongToTheRequestType_ReportsEachOne()
    {
        var result = Read(Edit("\"type\": \"use\"", "\"type\": \"refund\""));

        Assert.Equal(
            ["request.amount: not a field of a 'refund' request", "request.requestedBy: not a field of a 'refund' request", "request.grantId: required for a 'refund' request"],
            result.Problems.Select(p => $"{p.Path}: {p.Message}"));
        Assert.Equal([31, 32, 29], result.Problems.Select(p => p.Line ?? -1));
    }

    /// <summary>Every request type the bundled vocabulary declares, with the fields it takes.</summary>
    public static TheoryData<string, string> RequestFields => new()
    {
        { "use", "\"amount\": 1.5, \"requestedBy\": \"acct_1\"" },
        { "refund", "\"grantId\": \"g1\"" },
        { "cashOut", "\"grantId\": \"g2\"" },
        { "transfer", "\"grantId\": \"g1\", \"toAccountId\": \"acct_2\", \"amount\": 5" },
        { "sell", "\"grantId\": \"g1\", \"toAccountId\": \"acct_2\", \"amount\": 5" },
        { "closeAccount", "" },
        { "restore", "\"grantId\": \"g2\"" },
        { "expirations", "\"until\": \"2027-01-01T00:00:00Z\"" },
        { "expirations", "" },
        { "reload", "" },
        { "balance", "" },
    };

    [Theory]
    [MemberData(nameof(RequestFields))]
    public void ReadCase_EachRequestType_TakesItsOwnFieldsAndNoOther(string type, string fields)
    {
        var request = $"\"request\": {{ \"type\": \"{type}\"{(fields.Length == 0 ? "" : ", " + fields)} }}";
        var json = Valid[..Valid.IndexOf("\"request\"", StringComparison.Ordinal)] + request + "\n}";

        var read = Read(json);
        var withStranger = Read(json.Replace(" }\n}", ", \"requestedFor\": \"x\" }\n}", StringComparison.Ordinal));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal(type, read.Case!.Request.Type);
        var grantId = fields.Contains("grantId", StringComparison.Ordinal) ? fields.Split('"')[3] : null;
        Assert.Equal(grantId, read.Case.Request.TargetGrantId);
        var problem = Assert.Single(withStranger.Problems);
        Assert.Equal("request.requestedFor", problem.Path);
        Assert.Equal($"not a field of a '{type}' request", problem.Message);
    }

    [Fact]
    public void ReadCase_RequestTypeWrittenAfterItsFields_ReadsTheFieldsOfThatType()
    {
        var read = Read(Edit("\"type\": \"use\",\n    \"amount\": 32.50,\n    \"requestedBy\": \"acct_1\"", "\"grantId\": \"g2\", \"toAccountId\": \"acct_9\", \"amount\": 5.00, \"type\": \"transfer\""));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal(("transfer", "g2"), (read.Case!.Request.Type, read.Case.Request.TargetGrantId));
        Assert.Equal(5.00m, read.Case.Request.Get("amount"));
        Assert.Equal("acct_9", read.Case.Request.Get("toAccountId"));
    }

    [Fact]
    public void ReadCase_SeveralViolations_ReportsEveryOneInDocumentOrder()
    {
        var json = Edit("\"amount\": 100.00", "\"amount\": \"lots\"")
            .Replace("\"expiresAt\"", "\"expiresAT\"", StringComparison.Ordinal)
            .Replace("\"type\": \"use\"", "\"type\": \"spend\"", StringComparison.Ordinal);

        var result = Read(json);

        Assert.Equal(
            [("grants[0].amount", 13), ("grants[1].expiresAT", 26), ("request.type", 30)],
            result.Problems.Select(p => (p.Path, p.Line ?? -1)));
    }

    [Fact]
    public void ReadCase_ViolatedChecksOnManyGrants_ReportsEachAtItsGrantInOnePass()
    {
        // A problem per grant once cost a pass over the document each (8,000 grants took 11 s, 12,000 would take half a minute); now it is linear.
        var grants = string.Join(",\n", Enumerable.Range(0, 12_000).Select(i =>
            $$"""{"id":"g{{i}}","kind":"usage","holderAccountId":"a","amount":1,"remaining":2,"issuedAt":"2026-01-01T00:00:00Z"}"""));
        var json = $$"""{"asOf":"2026-11-25T10:00:00Z","account":{"id":"a","status":"open"},"request":{"type":"balance"},"grants":[""" + "\n" + grants + "]}";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = Read(json);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(12_000, result.Problems.Count);
        Assert.Equal("grants[11999].remaining (line 12001, column 76): must not exceed amount", result.Problems[^1].ToString());
        Assert.All(result.Problems, (p, i) => Assert.Equal(i + 2, p.Line));
    }

    public static TheoryData<string, string, int, int, string> NotACase => new()
    {
        { "hello", "$", 1, 1, "not valid JSON: " },
        { "", "$", 1, 1, "the document is empty; expected a JSON object (the case)" },
        { " \n\t\r\n ", "$", 1, 1, "the document is empty; expected a JSON object (the case)" },
        { "\ufeff", "$", 1, 1, "the document is empty; expected a JSON object (the case)" },
        { "[]", "$", 1, 1, "expected a JSON object (the case), got an array" },
        { "42", "$", 1, 1, "expected a JSON object (the case), got the number 42" },
        { "null", "$", 1, 1, "expected a JSON object (the case), got null" },
        { "\"case\"", "$", 1, 1, "expected a JSON object (the case), got the string \"case\"" },
        { "{ \"asOf\": \"2026-11-25T10:00:00Z\" } { }", "$", 1, 36, "not valid JSON: '{' is invalid after a single JSON value" },
        { "{\n  \"asOf\": \"2026-11-25T10:00:00Z\",\n  \"account\": {\n    \"id\": \"acc", "account.id", 4, 15, "not valid JSON: Expected end of string, but instead reached end of data" },
        { "{\n  \"asOf\": \"2026-11-25T10:00:00Z\",\n  \"account\": {", "account", 3, 15, "not valid JSON: " },
    };

    [Theory]
    [MemberData(nameof(NotACase))]
    public void ReadCase_NotJsonOrTruncated_ReportsPathAndLine(string text, string path, int line, int column, string messageStart)
    {
        var problems = Read(text).Problems;

        var problem = problems[^1];
        Assert.Equal((path, line, column), (problem.Path, problem.Line ?? -1, problem.Column ?? -1));
        Assert.StartsWith(messageStart, problem.Message, StringComparison.Ordinal);
    }

    /// <summary>Number spellings as request.amount: the amount read (its exact text, scale included) or the problem.</summary>
    public static TheoryData<string, string> Numbers => new()
    {
        { "32.50", "32.50" },
        { "12.5", "12.5" },
        { "12.500000", "12.500000" },
        { "1", "1" },
        { "1E2", "100" },
        { "1e+2", "100" },
        { "1.5e1", "15" },
        { "1.50E1", "15.0" },
        { "2500E-2", "25.00" },
        { "0.1", "0.1" },
        { "0.0000000000000000000000000001", "0.0000000000000000000000000001" },
        { "79228162514264337593543950335", "79228162514264337593543950335" },
        { "12345678901234567890123456789", "12345678901234567890123456789" },
        { "1.0000000000000000000000000001", "1.0000000000000000000000000001" },
        { "12.345678901234567890123456", "12.345678901234567890123456" },
        { "0.30000000000000004", "0.30000000000000004" },
        { "1E-29", "problem: the number 1E-29 has more than 28 decimal places; a decimal cannot hold it exactly" },
        { "0.00000000000000000000000000001", "problem: the number 0.00000000000000000000000000001 has more than 28 decimal places; a decimal cannot hold it exactly" },
        { "79228162514264337593543950336", "problem: the number 79228162514264337593543950336 is out of range for a decimal amount; it cannot be held exactly" },
        { "123456789012345678901234567890", "problem: the number 123456789012345678901234567890 is out of range for a decimal amount; it cannot be held exactly" },
        { "9.9999999999999999999999999999", "problem: the number 9.9999999999999999999999999999 is out of range for a decimal amount; it cannot be held exactly" },
        { "1e400", "problem: the number 1e400 is out of range for a decimal amount; it cannot be held exactly" },
        { "1E+99999999999999999999", "problem: the number 1E+99999999999999999999 is out of range for a decimal amount; it cannot be held exactly" },
        { "0", "problem: must be greater than zero, got 0" },
        { "-0", "problem: must be greater than zero, got 0" },
        { "0E-999999", "problem: must be greater than zero, got 0" },
        { "-12.5", "problem: must be greater than zero, got -12.5" },
        // Not RFC 8259 numbers, which a lenient parser would take.
        { "010", "problem: not valid JSON: Invalid leading zero before '1'" },
        { "00", "problem: not valid JSON: " },
        { "0x20", "problem: not valid JSON: 'x' is an invalid end of a number" },
        { "+5", "problem: not valid JSON: '+' is an invalid start of a value" },
        { ".5", "problem: not valid JSON: '.' is an invalid start of a value" },
        { "1.", "problem: not valid JSON: " },
        { "1.2.3", "problem: not valid JSON: " },
        { "NaN", "problem: not valid JSON: 'N' is an invalid start of a value" },
        { "Infinity", "problem: not valid JSON: 'I' is an invalid start of a value" },
        { "-Infinity", "problem: not valid JSON: " },
        { "\"32.50\"", "problem: expected a number (a decimal amount such as 12.50), got the string \"32.50\"" },
        { "true", "problem: expected a number (a decimal amount such as 12.50), got true" },
    };

    [Theory]
    [MemberData(nameof(Numbers))]
    public void ReadCase_NumberSpelling_IsTheExactDecimalOrAProblem(string number, string expected)
    {
        var read = Read(Edit("\"amount\": 32.50", "\"amount\": " + number));

        if (expected.StartsWith("problem: ", StringComparison.Ordinal))
        {
            var problem = Assert.Single(read.Problems);
            Assert.Equal(("request.amount", 31), (problem.Path, problem.Line ?? -1));
            Assert.StartsWith(expected["problem: ".Length..], problem.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(read.IsValid, string.Join("; ", read.Problems));
            var amount = Assert.IsType<decimal>(read.Case!.Request.Get("amount"));
            Assert.Equal(expected, amount.ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void ReadCase_DecimalAmounts_AreExactNotThroughDouble()
    {
        var json = Edit("\"amount\": 100.00,\n      \"remaining\": 40.00", "\"amount\": 0.1,\n      \"remaining\": 0.1")
            .Replace("\"amount\": 20,\n      \"remaining\": 20", "\"amount\": 0.2,\n      \"remaining\": 0.2", StringComparison.Ordinal);

        var c = Read(json).Case!;

        Assert.Equal(0.3m, c.Grants.Sum(g => g.Remaining));
        Assert.Equal("0.3", c.Grants.Sum(g => g.Remaining).ToString(CultureInfo.InvariantCulture));
        Assert.Equal("100.00", ((decimal)Read(Valid).Case!.Grants[0].Get("amount")!).ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ReadCase_NegativeZero_IsZeroWithoutASign()
    {
        var c = Read(Edit("\"remaining\": 40.00", "\"remaining\": -0.00")).Case!;

        Assert.Equal("0.00", c.Grants[0].Remaining.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, decimal.GetBits(c.Grants[0].Remaining)[3] & int.MinValue);
    }

    public static TheoryData<string, string> Instants => new()
    {
        { "2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z" },
        { "2026-11-25T12:00:00+02:00", "2026-11-25T10:00:00Z" },
        { "2026-11-25T05:00:00-05:00", "2026-11-25T10:00:00Z" },
        { "2026-11-26T00:00:00+14:00", "2026-11-25T10:00:00Z" },
        { "2026-11-25T15:45:00+05:45", "2026-11-25T10:00:00Z" },
        { "2026-11-25T10:00:00+00:00", "2026-11-25T10:00:00Z" },
        { "2026-11-25T10:00:00-00:00", "2026-11-25T10:00:00Z" },
        { "2026-11-25T10:00:00.5Z", "2026-11-25T10:00:00.5Z" },
        { "2026-11-25T10:00:00.123456789Z", "2026-11-25T10:00:00.123456789Z" },
        { "2026-11-25T10:00:00.1234567+05:30", "2026-11-25T04:30:00.1234567Z" },
        { "2026-11-25T10:00:00\\u005a", "2026-11-25T10:00:00Z" },
        { "2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z" },
        { "0001-01-01T00:00:00+14:00", "0000-12-31T10:00:00Z" },
        { "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z" },
        { "2026-11-25T10:00:00", "refused" },
        { "2026-11-25T10:00Z", "refused" },
        { "2026-11-25", "refused" },
        { "2026-11-25 10:00:00Z", "refused" },
        { "2026-11-25T10:00:00.1234567890Z", "refused" },
        { "2026-11-25T10:00:00+18:01", "refused" },
        { "2026-11-25T10:00:00+0500", "refused" },
        { "2026-02-29T00:00:00Z", "refused" },
        { "2026-13-01T00:00:00Z", "refused" },
        { "2026-11-25T24:00:00Z", "2026-11-26T00:00:00Z" },
        { "2026-11-25T23:59:60Z", "refused" },
        { "9999-12-31T23:59:59-05:00", "refused" },
        { " 2026-11-25T10:00:00Z", "refused" },
        { "２０２６-11-25T10:00:00Z", "refused" },
        { "yesterday", "refused" },
        { "", "refused" },
    };

    [Theory]
    [MemberData(nameof(Instants))]
    public void ReadCase_InstantSpelling_IsTheSameInstantInUtcOrRefused(string text, string utc)
    {
        // The grants are issued in 2026, so asOf must not be earlier; expirations is the request that names an instant of any date.
        var read = Read(Edit("\"type\": \"use\",\n    \"amount\": 32.50,\n    \"requestedBy\": \"acct_1\"", $"\"type\": \"expirations\", \"until\": \"{text}\""));

        if (utc == "refused")
        {
            var problem = Assert.Single(read.Problems);
            Assert.Equal(("request.until", 30), (problem.Path, problem.Line ?? -1));
            Assert.StartsWith("expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string", problem.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(read.IsValid, string.Join("; ", read.Problems));
            Assert.Equal(utc, NodaTime.Text.InstantPattern.ExtendedIso.Format((Instant)read.Case!.Request.Get("until")!));
        }
    }

    /// <summary>How an account id may be written, and what it reads as (or the problem).</summary>
    public static TheoryData<string, string> Strings => new()
    {
        { "\"acct_1\"", "acct_1" },
        { "\"\\u0061cct_1\"", "acct_1" },
        { "\"acct\\\"1\"", "acct\"1" },
        { "\"acct\\/1\"", "acct/1" },
        { "\"acct\\\\1\"", "acct\\1" },
        { "\"é\"", "é" },
        { "\"\\u00e9\"", "é" },
        { "\"😀\"", "😀" },
        { "\"\\ud83d\\ude00\"", "😀" },
        { "\" \"", " " },
        { "\"\u2028\"", "\u2028" },
        { "\"\"", "problem: expected a non-empty string" },
        { "\"\\ud800\"", "problem: not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)" },
        { "\"\\udc00x\"", "problem: not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)" },
        { "\"a\\u0001b\"", "problem: must not contain control characters (found U+0001)" },
        { "\"a\\tb\"", "problem: must not contain control characters (found U+0009)" },
        { "\"a\u0085b\"", "problem: must not contain control characters (found U+0085)" },
        { "\"a\tb\"", "problem: not valid JSON: '0x09' is invalid within a JSON string" },
        { "\"a\u0001b\"", "problem: not valid JSON: '0x01' is invalid within a JSON string" },
        { "\"a\\x41\"", "problem: not valid JSON: " },
        { "'acct_1'", "problem: not valid JSON: ''' is an invalid start of a value" },
        { "acct_1", "problem: not valid JSON: " },
        { "5", "problem: expected a string, got the number 5" },
        { "{}", "problem: expected a string, got an object" },
        { "null", "problem: required field is missing" },
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void ReadCase_StringSpelling_IsTheTextItEscapesOrAProblem(string spelt, string expected)
    {
        var read = Read(Edit("\"id\": \"acct_1\"", "\"id\": " + spelt));

        if (expected.StartsWith("problem: ", StringComparison.Ordinal))
        {
            var problem = Assert.Single(read.Problems);
            Assert.Equal(("account.id", 4), (problem.Path, problem.Line ?? -1));
            Assert.StartsWith(expected["problem: ".Length..], problem.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(read.IsValid, string.Join("; ", read.Problems));
            Assert.Equal(expected, read.Case!.Account.Id);
        }
    }

    [Fact]
    public void ReadCase_EscapedNamesAndValues_ReadAsWritten()
    {
        var read = Read(Edit("\"asOf\": \"2026-11-25T10:00:00Z\"", "\"\\u0061sOf\": \"2026-11-25T10:00:00Z\"")
            .Replace("\"type\": \"use\"", "\"typ\\u0065\": \"u\\u0073e\"", StringComparison.Ordinal)
            .Replace("\"status\": \"open\"", "\"status\": \"\\u006fpen\"", StringComparison.Ordinal));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal(CanonicalCase.Serialize(Read(Valid).Case!), CanonicalCase.Serialize(read.Case!));
    }

    public static TheoryData<string, string, string> NamesNotText => new()
    {
        { "\"asOf\":", "\"\\ud800\": 1, \"asOf\":", "$" },
        { "\"status\": \"open\",", "\"status\": \"open\", \"\\udc00x\": 1,", "account" },
        { "\"kind\": \"usage\",", "\"kind\": \"usage\", \"\\ud800\": 1,", "grants[0]" },
        { "\"type\": \"use\",", "\"type\": \"use\", \"\\ud800\": 1,", "request" },
    };

    [Theory]
    [MemberData(nameof(NamesNotText))]
    public void ReadCase_FieldNameWithALoneSurrogate_IsAProblemOfItsObject(string oldText, string newText, string path)
    {
        var problem = Assert.Single(Read(Edit(oldText, newText)).Problems);

        Assert.Equal(path, problem.Path);
        Assert.Equal("a field name is not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)", problem.Message);
    }

    [Theory]
    [InlineData("\"type\": \"use\"", "\"type\": \"us\\u0065\\ud800\"", "request.type")]
    [InlineData("\"status\": \"open\",", "\"status\": \"open\", \"termsVersion\": \"\\ud800\",", "account.termsVersion")]
    [InlineData("\"status\": \"open\"", "\"status\": \"\\ud800\"", "account.status")]
    [InlineData("\"timeZone\": \"America/New_York\"", "\"timeZone\": \"\\ud800\"", "account.timeZone")]
    public void ReadCase_ValueWithALoneSurrogate_IsAProblemOfItsField(string oldText, string newText, string path)
    {
        var problem = Assert.Single(Read(Edit(oldText, newText)).Problems);

        Assert.Equal((path, "not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)"), (problem.Path, problem.Message));
    }

    [Fact]
    public void ReadCase_TextWithARawLoneSurrogate_IsRefusedNamingTheCharacter()
    {
        var problem = Assert.Single(Read(Valid.Replace("acct_1\",\n    \"status", "acct_\ud800\",\n    \"status", StringComparison.Ordinal)).Problems);

        Assert.Equal("$: not valid text: a lone surrogate (U+D800) at character 68; a case is UTF-8 JSON (RFC 8259)", problem.ToString());
    }

    [Fact]
    public void ReadCase_OptionalFieldsAbsentOrNull_TakeTheirDefaultsAndTheKindsDefaults()
    {
        // g1 is a usage grant and g2 a promotional one, neither saying where it came from; no zone, no maintenance.
        var read = Read(Edit("\"timeZone\": \"America/New_York\"", "\"closedAt\": null")
            .Replace(",\n      \"source\": \"purchase\"", ",\n      \"source\": null", StringComparison.Ordinal));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        var c = read.Case!;
        Assert.Equal("Etc/UTC", c.Account.Get("timeZone"));
        Assert.Null(c.Account.Get("closedAt"));
        Assert.Equal(["purchase", "promotion"], c.Grants.Select(g => g.Get("source")));
        Assert.Null(c.Grants[0].Get("expiresAt"));
        var maintenance = Assert.IsAssignableFrom<CaseObject>(c.Account.Get("balanceMaintenance"));
        Assert.False(maintenance.Present);
        Assert.Equal(new object?[] { false, 0m }, new[] { maintenance.Get("paymentMethodOnFile"), maintenance.Get("pendingReloadAmount") });
    }

    [Fact]
    public void ReadCase_OptionalFieldsOfANestedObjectOmitted_TakeTheirDeclaredDefaults()
    {
        var read = Read(Edit("\"timeZone\": \"America/New_York\"", "\"timeZone\": \"America/New_York\", \"balanceMaintenance\": { \"enabled\": false, \"threshold\": 0, \"reloadAmount\": 0 }"));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        var maintenance = (CaseObject)read.Case!.Account.Get("balanceMaintenance")!;
        Assert.True(maintenance.Present);
        Assert.Equal(
            ["enabled = False", "threshold = 0", "reloadAmount = 0", "paymentMethodOnFile = False", "optedOutAt = ", "pendingReloadAmount = 0"],
            maintenance.Attributes.Select(a => $"{a.Key} = {Text(a.Value)}"));
    }

    [Fact]
    public void ReadCase_SourceGivenAgainstItsKindsDefault_KeepsWhatWasGiven()
    {
        var read = Read(Edit("\"expiresAt\": \"2026-12-01T00:00:00Z\"", "\"expiresAt\": \"2026-12-01T00:00:00Z\", \"source\": \"balanceMaintenance\""));

        Assert.Equal("balanceMaintenance", read.Case!.Grants[1].Get("source"));
    }

    [Fact]
    public void ReadCase_RequiredNestedFieldNullOrAbsent_IsMissing()
    {
        var read = Read(Edit("\"timeZone\": \"America/New_York\"", "\"timeZone\": \"America/New_York\", \"balanceMaintenance\": { \"enabled\": null, \"reloadAmount\": 1 }"));

        Assert.Equal(
            ["account.balanceMaintenance.enabled: required field is missing", "account.balanceMaintenance.threshold: required field is missing"],
            read.Problems.Select(p => $"{p.Path}: {p.Message}"));
    }

    public static TheoryData<string, string, string> Structures => new()
    {
        { "\"grants\": [", "\"grants\": null, \"x\": [", "grants: required field is missing (use [] for an account without grants)" },
        { "\"grants\": [", "\"grants\": {}, \"x\": [", "grants: expected an array of grants, got an object" },
        { "\"grants\": [", "\"grants\": [null, ", "grants[0]: expected a grant object, got null" },
        { "\"grants\": [", "\"grants\": [\"g\", ", "grants[0]: expected a grant object, got the string \"g\"" },
        { "\"grants\": [", "\"grants\": [[], ", "grants[0]: expected a grant object, got an array" },
        { "\"account\": {", "\"account\": null, \"x\": {", "account: required field is missing" },
        { "\"account\": {", "\"account\": [], \"x\": {", "account: expected an object, got an array" },
        { "\"request\": {", "\"request\": null, \"x\": {", "request: required field is missing" },
        { "\"request\": {", "\"request\": \"use\", \"x\": {", "request: expected an object, got the string \"use\"" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": null", "asOf: required field is missing" },
        { "\"timeZone\": \"America/New_York\"", "\"timeZone\": \"America/New_York\", \"balanceMaintenance\": \"on\"", "account.balanceMaintenance: expected an object, got the string \"on\"" },
    };

    [Theory]
    [MemberData(nameof(Structures))]
    public void ReadCase_WrongShape_ReportsTheFirstProblemAtItsPath(string oldText, string newText, string expected)
    {
        var problems = Read(Edit(oldText, newText)).Problems;

        Assert.Equal(expected, $"{problems[0].Path}: {problems[0].Message}");
    }

    [Fact]
    public void ReadCase_GrantsEmptyOrInAnyOrder_Reads()
    {
        var empty = Read("""{"asOf":"2026-11-25T10:00:00Z","account":{"id":"a","status":"open"},"grants":[],"request":{"type":"balance"}}""");
        var lastToFirst = Read("""{"request":{"type":"balance"},"grants":[],"account":{"status":"open","id":"a"},"asOf":"2026-11-25T10:00:00Z"}""");

        Assert.True(empty.IsValid && lastToFirst.IsValid);
        Assert.Empty(empty.Case!.Grants);
        Assert.Equal(CanonicalCase.Serialize(empty.Case), CanonicalCase.Serialize(lastToFirst.Case!));
    }

    [Theory]
    [InlineData("5")]
    [InlineData("null")]
    [InlineData("{\"a\": {\"b\": [1]}}")]
    [InlineData("\"../rules/schema/case.schema.json\"")]
    public void ReadCase_SchemaField_AnyValueIsIgnored(string value)
    {
        var read = Read(Example.Replace("\"$schema\": \"../rules/schema/case.schema.json\"", "\"$schema\": " + value, StringComparison.Ordinal));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal(CanonicalCase.Serialize(Read(Example).Case!), CanonicalCase.Serialize(read.Case!));
    }

    public static TheoryData<string, string> Documents => new()
    {
        { "byte order mark", "\ufeff" + Valid },
        { "leading whitespace", " \t\r\n" + Valid },
        { "trailing whitespace", Valid + "\n\n \t\r\n" },
        { "CRLF", Valid.ReplaceLineEndings("\r\n") },
        { "on one line", Valid.ReplaceLineEndings("") },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void ReadCase_SameCaseWrittenOtherwise_ReadsTheSameCase(string name, string text)
    {
        var read = Read(text);

        Assert.True(read.IsValid, name + ": " + string.Join("; ", read.Problems));
        Assert.Equal(CanonicalCase.Serialize(Read(Valid).Case!), CanonicalCase.Serialize(read.Case!));
    }

    public static TheoryData<string, string, string> NotRfc8259 => new()
    {
        { "leading comment", "/* c */" + Valid, "$: not valid JSON: '/' is an invalid start of a value" },
        { "trailing comment", Valid + "// c", "$: not valid JSON: '/' is invalid after a single JSON value" },
        { "comment inside", Edit("\"asOf\":", "/* \"asOf\": 1, */ \"asOf\":"), "$: not valid JSON: '/' is invalid" },
        { "trailing comma in an object", Edit("\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\","), "request: not valid JSON: The JSON object contains a trailing comma" },
        { "trailing comma in an array", Edit("\"expiresAt\": \"2026-12-01T00:00:00Z\"\n    }", "\"expiresAt\": \"2026-12-01T00:00:00Z\"\n    },"), "grants[2]: not valid JSON: The JSON array contains a trailing comma" },
        { "unquoted name", Edit("\"asOf\":", "asOf:"), "$: not valid JSON: 'a' is an invalid start of a property name" },
        { "single-quoted name", Edit("\"asOf\":", "'asOf':"), "$: not valid JSON: ''' is an invalid start of a property name" },
        { "missing comma", Edit("\"status\": \"open\",", "\"status\": \"open\""), "account: not valid JSON: '\"' is invalid after a value" },
        { "NUL before a name", Edit("\"asOf\":", "\0\"asOf\":"), "$: not valid JSON: '0x00' is an invalid start of a property name" },
        { "NUL after the case", Valid + "\0", "$: not valid JSON: '0x00' is invalid after a single JSON value" },
        { "non-breaking space", Edit("\"asOf\":", "\u00a0\"asOf\":"), "$: not valid JSON: " },
        { "form feed", Edit("\"asOf\":", "\f\"asOf\":"), "$: not valid JSON: " },
        { "two cases", Valid + Valid, "$: not valid JSON: '{' is invalid after a single JSON value" },
        { "array of the case", "[" + Valid + "]", "$: expected a JSON object (the case), got an array" },
    };

    [Theory]
    [MemberData(nameof(NotRfc8259))]
    public void ReadCase_JsonALenientParserAccepts_IsRefused(string name, string text, string expected)
    {
        var read = Read(text);

        Assert.False(read.IsValid, name);
        Assert.StartsWith(expected, $"{read.Problems[0].Path}: {read.Problems[0].Message}", StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCase_DeeplyNestedArrays_ReportsAProblemInsteadOfCrashing()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);

        var result = Read(deep);

        Assert.Equal("$: expected a JSON object (the case), got an array", $"{result.Problems[0].Path}: {result.Problems[0].Message}");
        var problem = result.Problems[^1];
        Assert.Equal(1, problem.Line);
        Assert.StartsWith($"not valid JSON: The maximum configured depth of {CaseLimits.MaxDepth} has been exceeded", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCase_DeeplyNestedValueInsideACase_ReportsAProblemAtItsPath()
    {
        var json = Edit("\"requestedBy\": \"acct_1\"", "\"requestedBy\": " + new string('[', 10_000) + new string(']', 10_000));

        var problem = Read(json).Problems[^1];

        Assert.StartsWith("request.requestedBy[0]", problem.Path, StringComparison.Ordinal);
        Assert.Equal(32, problem.Line);
        Assert.Contains("maximum configured depth", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCase_LongerThanTheLimit_IsRefusedAsAWhole()
    {
        var grant = """{"id":"gID","kind":"promotional","holderAccountId":"acct_1","amount":1.00,"remaining":1.00,"issuedAt":"2026-01-05T00:00:00Z"}""";
        var text = new StringBuilder("""{"asOf":"2026-11-25T10:00:00Z","account":{"id":"acct_1","status":"open"},"request":{"type":"balance"},"grants":[""");
        for (var i = 0; text.Length <= CaseLimits.MaxBytes; i++) text.Append(i == 0 ? "" : ",").Append(grant.Replace("ID", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        text.Append("]}");

        var fromText = Read(text.ToString());
        var fromStream = BundledRules.Catalogue.ReadCase(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())));

        var problem = Assert.Single(fromText.Problems);
        Assert.Equal("$: the case is longer than 8,388,608 bytes; a case is one account snapshot, so leave out grants that are spent and expired", problem.ToString());
        Assert.Equal(fromText.Problems, fromStream.Problems);
    }

    [Fact]
    public void GetCaseOrThrow_InvalidCase_ThrowsNamingSourcePathLineAndColumn()
    {
        var result = Read(Edit("\"remaining\": 40.00", "\"remaining\": 400"));

        var ex = Assert.Throws<InvalidCaseException>(() => result.GetCaseOrThrow("cases/a.json"));

        Assert.Equal("cases/a.json", ex.Source);
        Assert.Equal(
            $"The case in cases/a.json is not valid (1 problem):{Environment.NewLine}  grants[0].remaining (line 14, column 20): must not exceed amount",
            ex.Message);
        Assert.Equal("grants[0].remaining: must not exceed amount", new CaseProblem("grants[0].remaining", "must not exceed amount").ToString());
    }

    [Fact]
    public void TryParseInstant_ManySpellings_AcceptsExactlyWhatNodaTimesExtendedIsoPatternAccepts()
    {
        // The common form is read by hand; whatever it reads must be what NodaTime reads, and it must refuse what NodaTime refuses.
        var seed = Environment.TickCount;
        var random = new Random(seed);
        string[] years = ["0000", "0001", "1969", "2024", "2026", "9999", "10000", "-001", "202"];
        string[] months = ["00", "01", "02", "12", "13", "1"];
        string[] days = ["00", "01", "28", "29", "30", "31", "32"];
        string[] hours = ["00", "23", "24", "7"];
        string[] minutes = ["00", "59", "60"];
        string[] seconds = ["00", "59", "60", "5"];
        string[] fractions = ["", ".", ".0", ".1", ".000000001", ".123456789", ".1234567890", ".5000", ",5", ".x"];
        string[] offsets = ["Z", "z", "+00:00", "-00:00", "+14:00", "-12:00", "+17:59", "+18:00", "-18:00", "+18:01", "-18:01", "+05:45", "-03:30", "+5:00", "+0500", "+05", "", " Z", "Z ", "+05:60", "+24:00", "UTC"];
        string Pick(string[] items) => items[random.Next(items.Length)];
        for (var i = 0; i < 20_000; i++)
        {
            var text = $"{Pick(years)}-{Pick(months)}-{Pick(days)}T{Pick(hours)}:{Pick(minutes)}:{Pick(seconds)}{Pick(fractions)}{Pick(offsets)}";
            var parsed = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(text);
            string expected;
            try
            {
                expected = parsed.Success ? parsed.Value.ToInstant().ToString() : "not an instant";
            }
            catch (OverflowException)
            {
                expected = "not an instant";
            }

            var actual = ValueText.TryParseInstant(Encoding.UTF8.GetBytes(text), out var instant) ? instant.ToString() : "not an instant";

            Assert.True(expected == actual, $"seed {seed}: \"{text}\" is {actual} to the reader, {expected} to NodaTime");
        }
    }

    [Fact]
    public void TryParseDecimal_ManySpellings_IsWhatDecimalParseGivesScaleIncluded()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        for (var i = 0; i < 20_000; i++)
        {
            var whole = random.Next(5) == 0 ? "0" : random.Next(1, 10) + Digits(random.Next(0, 15));
            var text = (random.Next(4) == 0 ? "-" : "") + whole + (random.Next(3) == 0 ? "" : "." + Digits(random.Next(1, 13)));
            var expected = decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (expected == 0m) expected = decimal.Parse(text.TrimStart('-'), NumberStyles.Float, CultureInfo.InvariantCulture);

            Assert.True(ValueText.TryParseDecimal(Encoding.ASCII.GetBytes(text), out var actual, out var error), $"seed {seed}: {text}: {error}");
            Assert.True(decimal.GetBits(expected).SequenceEqual(decimal.GetBits(actual)), $"seed {seed}: {text} read as {actual}, decimal.Parse gives {expected}");
        }

        string Digits(int n) => new(Enumerable.Range(0, n).Select(_ => (char)('0' + random.Next(10))).ToArray());
    }

    // Effective-dated terms (account.termsVersion).

    private static string PinnedCase(string account) => $$"""
        {
          "asOf": "2026-11-25T10:00:00Z",
          "account": { {{account}} },
          "grants": [],
          "request": { "type": "balance" }
        }
        """;

    [Fact]
    public void ReadCase_AccountPinningATermsVersion_ReadsThePin()
    {
        var read = Read(PinnedCase("\"id\": \"a\", \"status\": \"open\", \"termsVersion\": \"2026-11-24\""));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal("2026-11-24", read.Case!.Account.TermsVersion);
    }

    [Theory]
    [InlineData("\"id\": \"a\", \"status\": \"open\"")]
    [InlineData("\"id\": \"a\", \"status\": \"open\", \"termsVersion\": null")]
    public void ReadCase_AccountWithoutAPin_HasNoTermsVersion(string account)
    {
        var read = Read(PinnedCase(account));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Null(read.Case!.Account.TermsVersion);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\" \"")]
    [InlineData("\"2026\\u000a11\"")]
    public void ReadCase_BlankTermsVersion_ReportsPathAndLine(string pin)
    {
        var read = Read(PinnedCase("\"id\": \"a\", \"status\": \"open\", \"termsVersion\": " + pin));

        Assert.Equal("account.termsVersion (line 3, column 61): expected a terms version such as \"2026-11-24\", or no field to use the version in force at asOf", Assert.Single(read.Problems).ToString());
    }

    [Fact]
    public void ReadCase_TermsVersionNotAString_ReportsWhatItIs()
    {
        var read = Read(PinnedCase("\"id\": \"a\", \"status\": \"open\", \"termsVersion\": 2026"));

        Assert.Equal("account.termsVersion: expected a terms version such as \"2026-11-24\", got the number 2026", $"{read.Problems[0].Path}: {read.Problems[0].Message}");
    }

    [Fact]
    public void ReadCase_MisspeltTermsVersion_SuggestsTheField()
    {
        var read = Read(PinnedCase("\"id\": \"a\", \"status\": \"open\", \"termsversion\": \"2026-11-24\""));

        var problem = Assert.Single(read.Problems);
        Assert.Equal(("account.termsversion", "unknown field; did you mean 'termsVersion'?"), (problem.Path, problem.Message));
    }

    private static string Edit(string oldText, string newText)
    {
        var json = Valid.ReplaceLineEndings("\n");
        Assert.Contains(oldText, json, StringComparison.Ordinal);
        Assert.Equal(json.IndexOf(oldText, StringComparison.Ordinal), json.LastIndexOf(oldText, StringComparison.Ordinal));
        return json.Replace(oldText, newText, StringComparison.Ordinal);
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        Instant i => NodaTime.Text.InstantPattern.ExtendedIso.Format(i),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
