using CreditPolicy.Json;

namespace CreditPolicy.Tests.Json;

/// <summary>Reading <c>account.termsVersion</c> from a case.</summary>
public sealed class CaseJsonTests
{
    private static string Case(string account) => $$"""
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
        var read = CaseJson.Read(Case("\"id\": \"a\", \"status\": \"open\", \"termsVersion\": \"2025-01-01\""));

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal("2025-01-01", read.Case!.Account.TermsVersion);
    }

    [Fact]
    public void Read_AccountWithoutAPin_HasNoTermsVersion()
    {
        var read = CaseJson.Read(Case("\"id\": \"a\", \"status\": \"open\""));

        Assert.Null(read.Case!.Account.TermsVersion);
    }

    [Fact]
    public void Read_EmptyTermsVersion_ReportsPathAndLine()
    {
        var read = CaseJson.Read(Case("\"id\": \"a\", \"status\": \"open\", \"termsVersion\": \"\""));

        Assert.Equal("account.termsVersion (line 3, column 62): expected a non-empty string", Assert.Single(read.Problems).ToString());
    }

    [Fact]
    public void Read_MisspeltTermsVersion_SuggestsTheField()
    {
        var read = CaseJson.Read(Case("\"id\": \"a\", \"status\": \"open\", \"termsversion\": \"2025-01-01\""));

        var problem = Assert.Single(read.Problems);
        Assert.Equal("account.termsversion", problem.Path);
        Assert.Equal("unknown field; did you mean 'termsVersion'? (names are case-sensitive)", problem.Message);
    }
}
