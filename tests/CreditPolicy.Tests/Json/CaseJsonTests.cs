using CreditPolicy.Json;
using CreditPolicy.Model;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Json;

public sealed class CaseJsonTests
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

    [Fact]
    public void Read_ExampleUseCase_ReadsEveryField()
    {
        var result = CaseJson.Read(File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json")));

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        Assert.Empty(result.Problems);
        var c = result.Case!;
        Assert.Equal(CaseBuilder.At("2026-11-25T10:00:00Z"), c.AsOf);
        Assert.Equal(new Account("acct_1", "open", null, "America/New_York", new BalanceMaintenance(true, 10.00m, 50.00m, true, null, 0m)), c.Account);
        Assert.Equal(2, c.Grants.Count);
        Assert.Equal(new Grant("g1", "usage", "acct_1", 100.00m, 40.00m, CaseBuilder.At("2026-02-01T09:00:00Z"), CaseBuilder.At("2026-02-01T10:00:00Z"), null, "purchase"), c.Grants[0]);
        Assert.Equal("promotion", c.Grants[1].Source);
        Assert.Equal(CaseBuilder.At("2026-12-01T00:00:00Z"), c.Grants[1].ExpiresAt);
        Assert.Equal(new CreditRequest("use", 32.50m, "acct_1"), c.Request);
    }

    [Fact]
    public void Read_ValidText_ReadsWithoutProblems()
    {
        var result = CaseJson.Read(Valid);

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        Assert.Equal("America/New_York", result.Case!.Account.TimeZone);
    }

    /// <summary>An edit of <see cref="Valid"/> and the one problem it must give: JSON path, line, message.</summary>
    public static TheoryData<string, string, string, int, string> OneProblem => new()
    {
        // Wrong types.
        { "\"amount\": 100.00", "\"amount\": \"100.00\"", "grants[0].amount", 13, "expected a number (a decimal amount such as 12.50), got the string \"100.00\"" },
        { "\"status\": \"open\"", "\"status\": true", "account.status", 5, "expected a string, got true" },
        { "\"id\": \"g2\"", "\"id\": 2", "grants[1].id", 20, "expected a string, got the number 2" },
        { "\"account\": {\n    \"id\": \"acct_1\",", "\"account\": {\n    \"id\": \"\",", "account.id", 4, "expected a non-empty string" },
        // Missing required fields are reported at the object that lacks them.
        { "\"holderAccountId\": \"acct_1\",\n      \"amount\": 100.00,", "\"amount\": 100.00,", "grants[0].holderAccountId", 9, "required field is missing" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\",", "", "asOf", 1, "required field is missing" },
        // Unknown fields.
        { "\"expiresAt\": \"2026-12-01T00:00:00Z\"", "\"expiresat\": \"2026-12-01T00:00:00Z\"", "grants[1].expiresat", 26, "unknown field; did you mean 'expiresAt'?" },
        { "\"expiresAt\": \"2026-12-01T00:00:00Z\"", "\"expirsAt\": \"2026-12-01T00:00:00Z\"", "grants[1].expirsAt", 26, "unknown field; did you mean 'expiresAt'?" },
        { "\"source\": \"purchase\"", "\"source\": \"purchase\", \"color\": \"red\"", "grants[0].color", 17, "unknown field; expected one of id, kind, holderAccountId, amount, remaining, issuedAt, confirmedAt, expiresAt, source" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\", \"note\": 1", "request.note", 32, "unknown field; expected one of type, amount, requestedBy, grantId, toAccountId, until" },
        // Numbers beyond decimal.
        { "\"amount\": 100.00", "\"amount\": 100000000000000000000000000000000", "grants[0].amount", 13, "number is out of range for a decimal amount" },
        // Amounts that contradict each other or the contract.
        { "\"remaining\": 40.00", "\"remaining\": -1", "grants[0].remaining", 14, "must not be negative, got -1" },
        { "\"remaining\": 40.00", "\"remaining\": 100.01", "grants[0].remaining", 14, "must not exceed amount (100.01 > 100.00)" },
        { "\"id\": \"g2\"", "\"id\": \"g1\"", "grants[1].id", 20, "duplicate grant id \"g1\"; grant ids must be unique" },
        { "\"kind\": \"usage\"", "\"kind\": \"prepaid\"", "grants[0].kind", 11, "expected one of usage, promotional, got \"prepaid\"" },
        { "\"issuedAt\": \"2026-01-05T00:00:00Z\"", "\"issuedAt\": \"2026-11-25T10:00:01Z\"", "grants[1].issuedAt", 25, "must not be after asOf (a snapshot cannot hold a grant not yet issued)" },
        { "\"confirmedAt\": \"2026-02-01T10:00:00Z\"", "\"confirmedAt\": \"2026-02-01T08:59:59Z\"", "grants[0].confirmedAt", 16, "must not be before issuedAt" },
        // The account.
        { "\"status\": \"open\",", "\"status\": \"open\", \"closedAt\": \"2026-11-01T00:00:00Z\",", "account.closedAt", 5, "must be absent or null when account.status is open" },
        { "\"status\": \"open\",", "\"status\": \"closed\", \"closedAt\": \"2026-11-26T00:00:00Z\",", "account.closedAt", 5, "must not be after asOf (2026-11-26T00:00:00Z > 2026-11-25T10:00:00Z)" },
        { "\"status\": \"open\",", "\"status\": \"closed\", \"closedAt\": null,", "account.closedAt", 5, "required when account.status is closed" },
        { "\"timeZone\": \"America/New_York\"", "\"timeZone\": \"Mars/Olympus\"", "account.timeZone", 6, "expected an IANA time zone id such as \"America/New_York\", got \"Mars/Olympus\"" },
        // The request.
        { "\"type\": \"use\"", "\"type\": \"chargeback\"", "request.type", 30, "expected one of use, refund, cashOut, transfer, sell, closeAccount, restore, expirations, reload, balance, got \"chargeback\"" },
        { "\"amount\": 32.50", "\"amount\": 0", "request.amount", 31, "must be greater than zero, got 0" },
        { "\"amount\": 32.50", "\"amount\": -5.5", "request.amount", 31, "must be greater than zero, got -5.5" },
        { "\"type\": \"use\",\n    \"amount\": 32.50,\n    \"requestedBy\": \"acct_1\"", "\"type\": \"refund\",\n    \"grantId\": \"g9\"", "request.grantId", 31, "no grant with id \"g9\" in grants" },
        { "\"requestedBy\": \"acct_1\"", "\"requestedBy\": \"acct_1\", \"grantId\": \"g1\"", "request.grantId", 32, "not a field of a 'use' request" },
        // Instants.
        { "\"issuedAt\": \"2026-01-05T00:00:00Z\"", "\"issuedAt\": \"2026-01-05T00:00:00\"", "grants[1].issuedAt", 25, "expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"2026-01-05T00:00:00\"" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": \"2026-02-30T10:00:00Z\"", "asOf", 2, "expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the string \"2026-02-30T10:00:00Z\"" },
        { "\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": 1764064800", "asOf", 2, "expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got the number 1764064800" },
    };

    [Theory]
    [MemberData(nameof(OneProblem))]
    public void Read_OneViolation_ReportsItWithPathAndLine(string oldText, string newText, string path, int line, string message)
    {
        var result = CaseJson.Read(Edit(oldText, newText));

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
    };

    [Theory]
    [MemberData(nameof(AbsentField))]
    public void Read_ViolationOnAbsentField_ReportsPathAndLineOfItsObject(string oldText, string newText, string path, int line, string message)
    {
        var problem = Assert.Single(CaseJson.Read(Edit(oldText, newText)).Problems);

        Assert.Equal((path, message), (problem.Path, problem.Message));
        Assert.Equal(line, problem.Line);
    }

    [Fact]
    public void Read_FieldsThatDoNotBelongToTheRequestType_ReportsEachOne()
    {
        var result = CaseJson.Read(Edit("\"type\": \"use\"", "\"type\": \"refund\""));

        Assert.Equal(
            new[] { "request.amount: not a field of a 'refund' request", "request.requestedBy: not a field of a 'refund' request", "request.grantId: required for a 'refund' request" },
            result.Problems.Select(p => $"{p.Path}: {p.Message}").ToArray());
        Assert.Equal(31, result.Problems[0].Line);
        Assert.Equal(32, result.Problems[1].Line);
    }

    [Fact]
    public void Read_SeveralViolations_ReportsEveryOneInDocumentOrder()
    {
        var json = Edit("\"amount\": 100.00", "\"amount\": \"lots\"")
            .Replace("\"expiresAt\"", "\"expiresAT\"", StringComparison.Ordinal)
            .Replace("\"type\": \"use\"", "\"type\": \"spend\"", StringComparison.Ordinal);

        var result = CaseJson.Read(json);

        Assert.Equal(
            new[] { ("grants[0].amount", 13), ("grants[1].expiresAT", 26), ("request.type", 30) },
            result.Problems.Select(p => (p.Path, p.Line ?? -1)).ToArray());
    }

    public static TheoryData<string, string, int, string> NotACase => new()
    {
        { "hello", "$", 1, "not valid JSON: Unexpected character encountered while parsing value: h" },
        { "", "$", 1, "the document is empty; expected a JSON object (the case)" },
        { "[]", "$", 1, "expected a JSON object (the case), got an array" },
        { "42", "$", 1, "expected a JSON object (the case), got the number 42" },
        { "{ \"asOf\": \"2026-11-25T10:00:00Z\" } { }", "$", 1, "not valid JSON: Additional text encountered after finished reading JSON content" },
        { "{\n  \"asOf\": \"2026-11-25T10:00:00Z\",\n  \"account\": {\n    \"id\": \"acc", "account.id", 4, "not valid JSON: Unterminated string" },
        { "{\n  \"asOf\": \"2026-11-25T10:00:00Z\",\n  \"account\": {", "account", 3, "not valid JSON: " },
        { "{\n  \"asOf\": 1,\n  \"asOf\": 2\n}", "asOf", 3, "not valid JSON: Property with the name 'asOf' already exists in the current JSON object" },
    };

    [Theory]
    [MemberData(nameof(NotACase))]
    public void Read_NotJsonOrTruncated_ReportsPathAndLine(string text, string path, int line, string messageStart)
    {
        var problem = Assert.Single(CaseJson.Read(text).Problems);

        Assert.Equal(path, problem.Path);
        Assert.Equal(line, problem.Line);
        Assert.StartsWith(messageStart, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExponentBeyondDecimalRange_ReportsPathAndLine()
    {
        var problem = Assert.Single(CaseJson.Read(Edit("\"amount\": 100.00", "\"amount\": 1e30")).Problems);

        Assert.Equal(("grants[0].amount", 13), (problem.Path, problem.Line ?? -1));
        Assert.Contains("'1e30' is not a valid decimal", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DecimalAmounts_AreExactNotThroughDouble()
    {
        var json = Edit("\"amount\": 100.00,\n      \"remaining\": 40.00", "\"amount\": 0.1,\n      \"remaining\": 0.1")
            .Replace("\"amount\": 20,\n      \"remaining\": 20", "\"amount\": 0.2,\n      \"remaining\": 0.2", StringComparison.Ordinal);

        var c = CaseJson.Read(json).Case!;

        Assert.Equal(0.1m, c.Grants[0].Amount);
        Assert.Equal(0.2m, c.Grants[1].Remaining);
        Assert.Equal(0.3m, c.Grants.Sum(g => g.Remaining));
        Assert.Equal("0.3", c.Grants.Sum(g => g.Remaining).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("100.00", CaseJson.Read(Valid).Case!.Grants[0].Amount.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("12.345678901234567890123456")]
    [InlineData("0.30000000000000004")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("0.00000000000000000000000001")]
    public void Read_DecimalWithManyDigits_KeepsEveryDigit(string amount)
    {
        var c = CaseJson.Read(Edit("\"amount\": 100.00,\n      \"remaining\": 40.00", $"\"amount\": {amount},\n      \"remaining\": {amount}")).Case!;

        Assert.Equal(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), c.Grants[0].Amount);
        Assert.Equal(amount, c.Grants[0].Remaining.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public static TheoryData<string, string> Offsets => new()
    {
        { "2026-11-25T12:00:00+02:00", "2026-11-25T10:00:00Z" },
        { "2026-11-25T05:00:00-05:00", "2026-11-25T10:00:00Z" },
        { "2026-11-26T00:00:00+14:00", "2026-11-25T10:00:00Z" },
        { "2026-11-25T10:00:00.5Z", "2026-11-25T10:00:00.5Z" },
    };

    [Theory]
    [MemberData(nameof(Offsets))]
    public void Read_InstantWithOffset_ConvertsToTheSameInstant(string text, string utc)
    {
        var c = CaseJson.Read(Edit("\"asOf\": \"2026-11-25T10:00:00Z\"", $"\"asOf\": \"{text}\"")).Case!;

        Assert.Equal(CaseBuilder.At(utc), c.AsOf);
    }

    [Fact]
    public void Read_DeeplyNestedArrays_ReportsAProblemInsteadOfCrashing()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);

        var result = CaseJson.Read(deep);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(1, problem.Line);
        Assert.StartsWith($"not valid JSON: The reader's MaxDepth of {CaseJson.MaxDepth} has been exceeded", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeeplyNestedValueInsideACase_ReportsAProblemAtItsPath()
    {
        var json = Edit("\"requestedBy\": \"acct_1\"", "\"requestedBy\": " + new string('[', 10_000) + new string(']', 10_000));

        var problem = Assert.Single(CaseJson.Read(json).Problems);

        Assert.StartsWith("request.requestedBy[0]", problem.Path, StringComparison.Ordinal);
        Assert.Equal(32, problem.Line);
        Assert.Contains("MaxDepth", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetCaseOrThrow_InvalidCase_ThrowsNamingSourcePathAndLine()
    {
        var result = CaseJson.Read(Edit("\"remaining\": 40.00", "\"remaining\": 400"));

        var ex = Assert.Throws<InvalidCaseException>(() => result.GetCaseOrThrow("cases/a.json"));

        Assert.Equal("cases/a.json", ex.Source);
        Assert.Equal(
            $"The case in cases/a.json is not valid (1 problem):{Environment.NewLine}  grants[0].remaining (line 14, column 22): must not exceed amount (400 > 100.00)",
            ex.Message);
    }

    [Fact]
    public void FromToken_ParsedElsewhere_ReportsPathsWithoutLines()
    {
        using var reader = CaseJson.CreateReader(new StringReader(Edit("\"remaining\": 40.00", "\"remaining\": 400")));
        var token = JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Ignore });

        var problem = Assert.Single(CaseJson.FromToken(token).Problems);

        Assert.Equal(new CaseProblem("grants[0].remaining", "must not exceed amount (400 > 100.00)"), problem);
        Assert.Equal("grants[0].remaining: must not exceed amount (400 > 100.00)", problem.ToString());
    }

    private static string Edit(string oldText, string newText)
    {
        var json = Valid.ReplaceLineEndings("\n");
        Assert.Contains(oldText, json, StringComparison.Ordinal);
        Assert.Equal(json.IndexOf(oldText, StringComparison.Ordinal), json.LastIndexOf(oldText, StringComparison.Ordinal));
        return json.Replace(oldText, newText, StringComparison.Ordinal);
    }

    // Effective-dated terms (account.termsVersion, versions/).

    private static string VersionedCase(string account) => $$"""
        {
          "asOf": "2026-11-25T10:00:00Z",
          "account": { {{account}} },
          "grants": [],
          "request": { "type": "balance" }
        }
        """;

    [Fact]
    public void Read_AccountPinningATermsVersion_ReadsThePin()
    {
        var read = CaseJson.Read(VersionedCase("\"id\": \"a\", \"status\": \"open\", \"termsVersion\": \"2026-11-24\""));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal("2026-11-24", read.Case!.Account.TermsVersion);
    }

    [Fact]
    public void Read_AccountWithoutAPin_HasNoTermsVersion()
    {
        var read = CaseJson.Read(VersionedCase("\"id\": \"a\", \"status\": \"open\""));

        Assert.Null(read.Case!.Account.TermsVersion);
    }

    [Fact]
    public void Read_EmptyTermsVersion_ReportsPathAndLine()
    {
        var read = CaseJson.Read(VersionedCase("\"id\": \"a\", \"status\": \"open\", \"termsVersion\": \"\""));

        Assert.Equal("account.termsVersion (line 3, column 62): expected a non-empty string", Assert.Single(read.Problems).ToString());
    }

    [Fact]
    public void Read_MisspeltTermsVersion_SuggestsTheField()
    {
        var read = CaseJson.Read(VersionedCase("\"id\": \"a\", \"status\": \"open\", \"termsversion\": \"2026-11-24\""));

        var problem = Assert.Single(read.Problems);
        Assert.Equal("account.termsversion", problem.Path);
        Assert.Equal("unknown field; did you mean 'termsVersion'?", problem.Message);
    }
}
