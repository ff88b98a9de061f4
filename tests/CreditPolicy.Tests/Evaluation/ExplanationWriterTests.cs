using CreditPolicy.Evaluation;

namespace CreditPolicy.Tests.Evaluation;

public sealed class ExplanationWriterTests
{
    [Fact]
    public void Format_DeniedUseOfExpiredGrant_ShowsTheRuleItsClauseTheValuesAndTheDecision()
    {
        var @case = TestCases.Example("use-expired.json");
        var evaluation = new CreditPolicyEngine(BundledRules.RuleSet).Explain(@case);

        var text = ExplanationWriter.Format(@case, evaluation);

        // The request is described by its declared fields; every expiry rule runs for every grant before any exclusion rule.
        Assert.StartsWith("Case: 'use' with amount 12.50, requestedBy \"acct_1\" on account acct_1 with 2 grants, as of 2026-11-25T10:00:00Z\n", text, StringComparison.Ordinal);
        Assert.Contains("\nRules run, in order (20):\n", text, StringComparison.Ordinal);
        Assert.Contains("""
              3. usage-credit-expiry (B.1) for grant g1: fired, expiresAt 2026-11-21T09:00:00Z
                   g.Kind = "usage"
                   g.ConfirmedAt = 2025-11-21T09:00:00Z
                   g.IssuedAt = 2025-11-20T09:00:00Z
                   c.Account.TimeZone = "America/New_York"
            """.ReplaceLineEndings("\n"), text, StringComparison.Ordinal);
        Assert.Contains("""
             11. grant-expired (B.1) for grant g1: fired, status expired
                   c.AsOf = 2026-11-25T10:00:00Z
                   g.Expiry = 2026-11-21T09:00:00Z
                   g.ExpiryStatus = "expired"
            """.ReplaceLineEndings("\n"), text, StringComparison.Ordinal);
        Assert.Contains("\nDecision: deny\n  because use-insufficient-credits (A.1): ", text, StringComparison.Ordinal);
        Assert.Contains("\n  because grant-expired (B.1) for grant g1: The credits have expired.\n", text, StringComparison.Ordinal);
        Assert.Contains($"\n  record: {evaluation.Decision.Record!.Id} (case {evaluation.Decision.Record.CaseDigest}, ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_Permit_ListsWhatItProduces()
    {
        var @case = TestCases.Example("use.json");

        var text = ExplanationWriter.Format(@case, new CreditPolicyEngine(BundledRules.RuleSet).Explain(@case));

        // Each effect module explains its own effect, one line per item, in draw order.
        Assert.Contains("\nDecision: permit\n  because use-draws-credits (A.1): The holder's available credits cover the amount.\n  allocations: draw 20 from g2 (promotional)\n  allocations: draw 12.50 from g1 (usage)\n  record: ", text, StringComparison.Ordinal);
        Assert.Contains("use-draws-credits (A.1): fired\n", text, StringComparison.Ordinal);
    }
}
