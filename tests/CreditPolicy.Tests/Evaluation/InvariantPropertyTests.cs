using CreditPolicy.Cli.Generation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy.Tests.Evaluation;

/// <summary>Properties of every decision the bundled rules make, each checked over generated cases (each case asked several questions).</summary>
/// <remarks>A failure names the seed, the case index and the case asked, as JSON.</remarks>
public sealed class InvariantPropertyTests
{
    private const int Seed = 31337;

    private const int Count = 4_000;

    private static readonly Lazy<GeneratedCase[]> Sample = new(() => new CaseGenerator(Seed).GenerateMany(Count).ToArray());

    private static readonly string[] Forbidden = [RequestTypes.Refund, RequestTypes.CashOut, RequestTypes.Transfer, RequestTypes.Sell];

    private static CreditPolicyEngine Engine => BundledRules.AlwaysInForce;

    [Fact]
    public void Decide_RefundCashOutTransferOrSale_IsNeverPermitted()
    {
        var asked = 0;
        foreach (var g in Sample.Value.Where(g => g.Case.Grants.Count > 0))
        {
            foreach (var type in Forbidden)
            {
                var grant = g.Case.Grants[g.Index % g.Case.Grants.Count];
                var c = Ask(g.Case, new CreditRequest(type,
                    Amount: type is RequestTypes.Transfer or RequestTypes.Sell ? Math.Max(grant.Remaining, 0.01m) : null,
                    GrantId: grant.Id,
                    ToAccountId: type is RequestTypes.Transfer or RequestTypes.Sell ? "acct_elsewhere" : null));
                var decision = Engine.Decide(c);
                Check(decision.Outcome == Outcome.Deny, g, c, $"a {type} was {decision.Outcome}");
                asked++;
            }
        }

        Assert.True(asked > 10_000, $"only {asked} questions asked");
    }

    [Fact]
    public void Decide_ClosedAccount_PermitsOnlyReportingAndHasNothingAvailable()
    {
        var asked = 0;
        foreach (var g in Sample.Value)
        {
            var c0 = g.Case;
            if (c0.Account.Status == AccountStatuses.Open)
            {
                // Close the open ones too: at asOf, or halfway between the earliest issue and asOf.
                var from = c0.Grants.Count > 0 ? c0.Grants.Min(x => x.IssuedAt) : c0.AsOf;
                var closedAt = g.Index % 2 == 0 ? c0.AsOf : from + (c0.AsOf - from) / 2;
                c0 = c0 with { Account = c0.Account with { Status = AccountStatuses.Closed, ClosedAt = closedAt } };
            }

            foreach (var request in EveryRequest(c0))
            {
                var c = Ask(c0, request);
                var decision = Engine.Decide(c);
                var reporting = request.Type is RequestTypes.Expirations or RequestTypes.Balance;
                Check(decision.IsPermitted == reporting, g, c, $"a {request.Type} on a closed account was {decision.Outcome}");
                if (request.Type == RequestTypes.Balance) Check(decision.Balance!.Total == 0m, g, c, $"a closed account has {decision.Balance.Total} available");
                asked++;
            }
        }

        Assert.True(asked > 20_000, $"only {asked} questions asked");
    }

    [Fact]
    public void Decide_Use_AllocationsCoverTheAmountFromUsableGrantsInDrawOrder()
    {
        var permits = 0;
        foreach (var g in Sample.Value)
        {
            var balance = Engine.Decide(Ask(g.Case, new CreditRequest(RequestTypes.Balance))).Balance!.Total;
            var expiries = Engine.Decide(Ask(g.Case, new CreditRequest(RequestTypes.Expirations))).Expirations.ToDictionary(e => e.GrantId);
            var amounts = new[] { balance, balance / 3m, 0.01m, balance + 0.01m }.Where(a => a > 0m).Select(a => Math.Round(a, 2, MidpointRounding.ToZero)).Where(a => a > 0m);
            foreach (var amount in amounts.Distinct())
            {
                var c = Ask(g.Case, new CreditRequest(RequestTypes.Use, Amount: amount, RequestedBy: g.Case.Account.Id));
                var decision = Engine.Decide(c);
                if (!decision.IsPermitted)
                {
                    Check(decision.Outcome == Outcome.Deny && (amount > balance || c.Account.Status == AccountStatuses.Closed), g, c,
                        $"a use of {amount} against an available {balance} was {decision.Outcome}");
                    continue;
                }

                permits++;
                var allocations = decision.Allocations;
                Check(allocations.Sum(a => a.Amount) == amount, g, c, $"allocations sum to {allocations.Sum(a => a.Amount)}, not {amount}");
                Check(allocations.Select(a => a.GrantId).Distinct().Count() == allocations.Count, g, c, "a grant is drawn twice");
                var grants = c.Grants.ToDictionary(x => x.Id);
                for (var i = 0; i < allocations.Count; i++)
                {
                    var a = allocations[i];
                    var grant = grants[a.GrantId];
                    var expiry = expiries[a.GrantId];
                    Check(a.Amount > 0m && a.Amount <= grant.Remaining, g, c, $"{a.GrantId}: drew {a.Amount} of {grant.Remaining} remaining");
                    Check(i == allocations.Count - 1 || a.Amount == grant.Remaining, g, c, $"{a.GrantId}: drew part of it before a later grant");
                    Check(!expiry.Expired && expiry.Rule != "closure-expires-credits", g, c, $"{a.GrantId}: drew an expired or forfeited grant ({expiry.Rule})");
                    Check(grant.HolderAccountId == c.Account.Id, g, c, $"{a.GrantId}: drew another holder's grant");
                    Check(!(grant.Kind == GrantKinds.Usage && grant.Source == GrantSources.Purchase && !(grant.ConfirmedAt <= c.AsOf)), g, c,
                        $"{a.GrantId}: drew an unconfirmed purchase");
                }

                // Draw order: every usable grant left undrawn sorts after the last one drawn.
                var usable = c.Grants
                    .Where(x => x.Remaining > 0m && x.HolderAccountId == c.Account.Id && !expiries[x.Id].Expired
                        && !(x.Kind == GrantKinds.Usage && x.Source == GrantSources.Purchase && !(x.ConfirmedAt <= c.AsOf)))
                    .OrderBy(x => expiries[x.Id].ExpiresAt)
                    .ThenBy(x => x.Kind == GrantKinds.Promotional ? 0 : 1)
                    .ThenBy(x => x.IssuedAt)
                    .ThenBy(x => x.Id, StringComparer.Ordinal)
                    .Select(x => x.Id)
                    .ToArray();
                Check(usable.Take(allocations.Count).SequenceEqual(allocations.Select(a => a.GrantId)), g, c,
                    $"draw order [{string.Join(", ", allocations.Select(a => a.GrantId))}], expected a prefix of [{string.Join(", ", usable)}]");
            }
        }

        Assert.True(permits > 2_000, $"only {permits} uses permitted");
    }

    [Fact]
    public void Decide_Expirations_NoGrantExpiresBeforeItIsIssued()
    {
        var listed = 0;
        foreach (var g in Sample.Value)
        {
            var c = Ask(g.Case, new CreditRequest(RequestTypes.Expirations));
            var decision = Engine.Decide(c);
            Check(decision.Expirations.Count == c.Grants.Count, g, c, "not every grant is listed");
            foreach (var e in decision.Expirations)
            {
                var issuedAt = c.Grants.Single(x => x.Id == e.GrantId).IssuedAt;
                Check(e.ExpiresAt >= issuedAt, g, c, $"{e.GrantId} expires at {e.ExpiresAt} (by {e.Rule}), before it was issued at {issuedAt}");
                Check(e.Expired == (c.AsOf >= e.ExpiresAt), g, c, $"{e.GrantId}: expired is {e.Expired} at {c.AsOf} for an expiry at {e.ExpiresAt}");
                listed++;
            }
        }

        Assert.True(listed > 15_000, $"only {listed} expiries listed");
    }

    [Fact]
    public void Decide_CloseAccount_ForfeitsExactlyTheAvailableBalance()
    {
        var closures = 0;
        foreach (var g in Sample.Value.Where(g => g.Case.Account.Status == AccountStatuses.Open))
        {
            var balance = Engine.Decide(Ask(g.Case, new CreditRequest(RequestTypes.Balance))).Balance!.Total;
            var c = Ask(g.Case, new CreditRequest(RequestTypes.CloseAccount));
            var decision = Engine.Decide(c);
            Check(decision.IsPermitted, g, c, $"closing an open account was {decision.Outcome}");
            Check(decision.Forfeitures.Sum(f => f.Amount) == balance, g, c, $"forfeited {decision.Forfeitures.Sum(f => f.Amount)} of an available {balance}");
            foreach (var f in decision.Forfeitures)
            {
                Check(f.Amount == c.Grants.Single(x => x.Id == f.GrantId).Remaining && f.At == c.AsOf, g, c, $"{f.GrantId}: forfeited {f.Amount} at {f.At}");
            }

            closures++;
        }

        Assert.True(closures > 2_500, $"only {closures} closures");
    }

    [Fact]
    public void Decide_Reload_FiresExactlyWhenTheServiceIsDue()
    {
        int fired = 0, held = 0;
        foreach (var g in Sample.Value)
        {
            var balance = Engine.Decide(Ask(g.Case, new CreditRequest(RequestTypes.Balance))).Balance!.Total;
            var c = Ask(g.Case, new CreditRequest(RequestTypes.Reload));
            var decision = Engine.Decide(c);
            var m = c.Account.BalanceMaintenance;
            // B.3: an opt-out dated after asOf has not happened yet at asOf.
            var due = m is { Enabled: true, PaymentMethodOnFile: true }
                && (m.OptedOutAt is null || m.OptedOutAt > c.AsOf)
                && c.Account.Status == AccountStatuses.Open
                && balance + m.PendingReloadAmount <= m.Threshold;
            Check(decision.IsPermitted == due, g, c, $"reload {decision.Outcome}; due is {due} (balance {balance}, settings {m})");
            Check(decision.Outcome != Outcome.Indeterminate, g, c, "reload was indeterminate");
            if (decision.Reload is { } reload)
            {
                var zone = DateTimeZoneProviders.Tzdb[c.Account.TimeZone];
                Check(reload.Amount == m!.ReloadAmount && reload.ChargeOn == c.AsOf.InZone(zone).Date, g, c, $"reload {reload}");
            }

            if (due) fired++;
            else held++;
        }

        Assert.True(fired > 200 && held > 2_000, $"fired {fired}, held {held}");
    }

    [Fact]
    public void Decide_SameCaseTwice_GivesTheSameBytes()
    {
        var fresh = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(RuleSet.Load(TestPaths.CurrentTerms)));
        foreach (var g in Sample.Value)
        {
            var first = DecisionJson.Serialize(Engine.Decide(g.Case));
            var second = DecisionJson.Serialize(Engine.Decide(g.Case));
            var otherEngine = DecisionJson.Serialize(fresh.Decide(g.Case));
            var fromJson = DecisionJson.Serialize(Engine.Decide(CaseJson.Read(CaseJsonWriter.ToJson(g.Json)).Case!));

            Check(first == second && first == otherEngine && first == fromJson, g, g.Case, "the same case gave different bytes");
        }
    }

    private static CreditCase Ask(CreditCase c, CreditRequest request) => c with { Request = request };

    private static IEnumerable<CreditRequest> EveryRequest(CreditCase c)
    {
        var grant = c.Grants.Count > 0 ? c.Grants[0].Id : null;
        yield return new CreditRequest(RequestTypes.Use, Amount: 0.01m, RequestedBy: c.Account.Id);
        yield return new CreditRequest(RequestTypes.CloseAccount);
        yield return new CreditRequest(RequestTypes.Expirations);
        yield return new CreditRequest(RequestTypes.Reload);
        yield return new CreditRequest(RequestTypes.Balance);
        if (grant is null) yield break;
        yield return new CreditRequest(RequestTypes.Restore, GrantId: grant);
        yield return new CreditRequest(RequestTypes.Refund, GrantId: grant);
        yield return new CreditRequest(RequestTypes.CashOut, GrantId: grant);
        yield return new CreditRequest(RequestTypes.Transfer, Amount: 1m, GrantId: grant, ToAccountId: "acct_elsewhere");
        yield return new CreditRequest(RequestTypes.Sell, Amount: 1m, GrantId: grant, ToAccountId: "acct_elsewhere");
    }

    private static void Check(bool holds, GeneratedCase g, CreditCase asked, string what)
    {
        if (holds) return;
        Assert.Fail($"seed {g.Seed}, case {g.Index}: {what}{Environment.NewLine}{CaseJsonWriter.ToJson(asked, indented: true)}{Environment.NewLine}"
            + DecisionJson.Serialize(BundledRules.AlwaysInForce.Decide(asked)));
    }
}
