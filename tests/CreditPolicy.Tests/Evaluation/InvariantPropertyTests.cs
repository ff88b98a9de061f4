using CreditPolicy.Evaluation;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json.Linq;
using NodaTime;

namespace CreditPolicy.Tests.Evaluation;

/// <summary>Properties of every decision the bundled rules make, each checked over generated cases (each case asked several questions).</summary>
/// <remarks>A failure names the seed, the case index and the case asked, as JSON.</remarks>
public sealed class InvariantPropertyTests
{
    private const int Seed = 31337;

    private const int Count = 1_000;

    private static readonly Lazy<EdgeCase[]> Sample = new(() => new EdgeCaseGenerator(Seed).GenerateMany(Count).ToArray());

    private static readonly string[] Forbidden = ["refund", "cashOut", "transfer", "sell"];

    private static CreditPolicyEngine Engine => BundledRules.AlwaysInForce;

    [Fact]
    public void Decide_RefundCashOutTransferOrSale_IsNeverPermitted()
    {
        var asked = 0;
        foreach (var g in Sample.Value.Where(g => Grants(g.Json).Count > 0))
        {
            var grants = Grants(g.Json);
            var grant = grants[g.Index % grants.Count];
            foreach (var type in Forbidden)
            {
                var moves = type is "transfer" or "sell";
                var c = Ask(g, EdgeCases.Request(type,
                    amount: moves ? Math.Max((decimal)grant["remaining"]!, 0.01m) : null,
                    grantId: (string)grant["id"]!,
                    toAccountId: moves ? "acct_elsewhere" : null));
                var decision = Engine.Decide(c);
                Check(decision.Outcome == Outcome.Deny, g, c, $"a {type} was {decision.Outcome}");
                asked++;
            }
        }

        Assert.True(asked > 2_500, $"only {asked} questions asked");
    }

    [Fact]
    public void Decide_ClosedAccount_PermitsOnlyReportingAndHasNothingAvailable()
    {
        var asked = 0;
        foreach (var g in Sample.Value)
        {
            var json = (JObject)g.Json.DeepClone();
            var account = (JObject)json["account"]!;
            var original = g.Read();
            if ((string)account["status"]! == "open")
            {
                // Close the open ones too: at asOf, or halfway between the earliest issue and asOf.
                var issued = original.Grants.Select(x => (Instant)x.Get("issuedAt")!).ToArray();
                var from = issued.Length > 0 ? issued.Min() : original.AsOf;
                var closedAt = g.Index % 2 == 0 ? original.AsOf : from + (original.AsOf - from) / 2;
                account["status"] = "closed";
                account["closedAt"] = NodaTime.Text.InstantPattern.ExtendedIso.Format(closedAt);
            }

            var text = new CaseText(json);
            foreach (var request in EveryRequest(original))
            {
                var c = TestCases.Read(text.With(request));
                var decision = Engine.Decide(c);
                var type = c.Request.Type;
                var reporting = type is "expirations" or "balance";
                Check(decision.IsPermitted == reporting, g, c, $"a {type} on a closed account was {decision.Outcome}");
                if (type == "balance") Check(decision.Balance!.Total == 0m, g, c, $"a closed account has {decision.Balance.Total} available");
                asked++;
            }
        }

        Assert.True(asked > 5_000, $"only {asked} questions asked");
    }

    [Fact]
    public void Decide_Use_AllocationsCoverTheAmountFromUsableGrantsInDrawOrder()
    {
        var permits = 0;
        foreach (var g in Sample.Value)
        {
            var balance = Engine.Decide(Ask(g, EdgeCases.Request("balance"))).Balance!.Total;
            var expiries = Engine.Decide(Ask(g, EdgeCases.Request("expirations"))).Expirations.ToDictionary(e => e.GrantId);
            var amounts = new[] { balance, balance / 3m, 0.01m, balance + 0.01m }.Where(a => a > 0m).Select(a => Math.Round(a, 2, MidpointRounding.ToZero)).Where(a => a > 0m);
            var accountId = (string)g.Json["account"]!["id"]!;
            foreach (var amount in amounts.Distinct())
            {
                var c = Ask(g, EdgeCases.Request("use", amount: amount, requestedBy: accountId));
                var decision = Engine.Decide(c);
                var closed = Text(c.Account, "status") == "closed";
                if (!decision.IsPermitted)
                {
                    Check(decision.Outcome == Outcome.Deny && (amount > balance || closed), g, c,
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
                    Check(Text(grant, "holderAccountId") == c.Account.Id, g, c, $"{a.GrantId}: drew another holder's grant");
                    Check(!UnconfirmedPurchase(grant, c.AsOf), g, c, $"{a.GrantId}: drew an unconfirmed purchase");
                }

                // Draw order: every usable grant left undrawn sorts after the last one drawn.
                var usable = c.Grants
                    .Where(x => x.Remaining > 0m && Text(x, "holderAccountId") == c.Account.Id && !expiries[x.Id].Expired && !UnconfirmedPurchase(x, c.AsOf))
                    .OrderBy(x => expiries[x.Id].ExpiresAt)
                    .ThenBy(x => x.Kind == "promotional" ? 0 : 1)
                    .ThenBy(x => (Instant)x.Get("issuedAt")!)
                    .ThenBy(x => x.Id, StringComparer.Ordinal)
                    .Select(x => x.Id)
                    .ToArray();
                Check(usable.Take(allocations.Count).SequenceEqual(allocations.Select(a => a.GrantId)), g, c,
                    $"draw order [{string.Join(", ", allocations.Select(a => a.GrantId))}], expected a prefix of [{string.Join(", ", usable)}]");
            }
        }

        Assert.True(permits > 500, $"only {permits} uses permitted");
    }

    [Fact]
    public void Decide_Expirations_NoGrantExpiresBeforeItIsIssued()
    {
        var listed = 0;
        foreach (var g in Sample.Value)
        {
            var c = Ask(g, EdgeCases.Request("expirations"));
            var decision = Engine.Decide(c);
            Check(decision.Expirations.Count == c.Grants.Count, g, c, "not every grant is listed");
            foreach (var e in decision.Expirations)
            {
                var issuedAt = (Instant)c.Grants.Single(x => x.Id == e.GrantId).Get("issuedAt")!;
                Check(e.ExpiresAt >= issuedAt, g, c, $"{e.GrantId} expires at {e.ExpiresAt} (by {e.Rule}), before it was issued at {issuedAt}");
                Check(e.Expired == (c.AsOf >= e.ExpiresAt), g, c, $"{e.GrantId}: expired is {e.Expired} at {c.AsOf} for an expiry at {e.ExpiresAt}");
                listed++;
            }
        }

        Assert.True(listed > 3_750, $"only {listed} expiries listed");
    }

    [Fact]
    public void Decide_CloseAccount_ForfeitsExactlyTheAvailableBalance()
    {
        var closures = 0;
        foreach (var g in Sample.Value.Where(g => (string)g.Json["account"]!["status"]! == "open"))
        {
            var balance = Engine.Decide(Ask(g, EdgeCases.Request("balance"))).Balance!.Total;
            var c = Ask(g, EdgeCases.Request("closeAccount"));
            var decision = Engine.Decide(c);
            Check(decision.IsPermitted, g, c, $"closing an open account was {decision.Outcome}");
            Check(decision.Forfeitures.Sum(f => f.Amount) == balance, g, c, $"forfeited {decision.Forfeitures.Sum(f => f.Amount)} of an available {balance}");
            Check(decision.Forfeitures.Select(f => f.GrantId).SequenceEqual(decision.Forfeitures.Select(f => f.GrantId).Order(StringComparer.Ordinal)), g, c, "forfeitures are not listed by grant id");
            foreach (var f in decision.Forfeitures)
            {
                Check(f.Amount == c.Grants.Single(x => x.Id == f.GrantId).Remaining && f.At == c.AsOf, g, c, $"{f.GrantId}: forfeited {f.Amount} at {f.At}");
            }

            closures++;
        }

        Assert.True(closures > 625, $"only {closures} closures");
    }

    [Fact]
    public void Decide_Reload_FiresExactlyWhenTheServiceIsDue()
    {
        int fired = 0, held = 0;
        foreach (var g in Sample.Value)
        {
            var balance = Engine.Decide(Ask(g, EdgeCases.Request("balance"))).Balance!.Total;
            var c = Ask(g, EdgeCases.Request("reload"));
            var decision = Engine.Decide(c);
            var m = (CaseObject)c.Account.Get("balanceMaintenance")!;
            var optedOutAt = (Instant?)m.Get("optedOutAt");

            // B.3: an opt-out dated after asOf has not happened yet at asOf.
            var due = m.Present && (bool)m.Get("enabled")! && (bool)m.Get("paymentMethodOnFile")!
                && (optedOutAt is null || optedOutAt > c.AsOf)
                && Text(c.Account, "status") == "open"
                && balance + (decimal)m.Get("pendingReloadAmount")! <= (decimal)m.Get("threshold")!;
            Check(decision.IsPermitted == due, g, c, $"reload {decision.Outcome}; due is {due} (balance {balance})");
            Check(decision.Outcome != Outcome.Indeterminate, g, c, "reload was indeterminate");
            if (decision.Reload is { } reload)
            {
                var zone = DateTimeZoneProviders.Tzdb[Text(c.Account, "timeZone")];
                Check(reload.Amount == (decimal)m.Get("reloadAmount")! && reload.ChargeOn == c.AsOf.InZone(zone).Date, g, c, $"reload {reload}");
            }

            if (due) fired++;
            else held++;
        }

        Assert.True(fired > 50 && held > 500, $"fired {fired}, held {held}");
    }

    [Fact]
    public void Decide_SameCaseTwice_GivesTheSameBytes()
    {
        var fresh = new CreditPolicyEngine(RuleCatalogue.AlwaysInForce(RuleSet.Load(TestPaths.CurrentTerms)));
        foreach (var g in Sample.Value)
        {
            var c = g.Read();
            var first = DecisionJson.Serialize(Engine.Decide(c));
            var second = DecisionJson.Serialize(Engine.Decide(c));
            var otherEngine = DecisionJson.Serialize(fresh.Decide(fresh.Catalogue.ReadCase(g.Text).Case!));
            var fromCanonical = DecisionJson.Serialize(Engine.Decide(TestCases.Read(CanonicalCase.Serialize(c))));

            Check(first == second && first == otherEngine && first == fromCanonical, g, c, "the same case gave different bytes");
        }
    }

    private static List<JObject> Grants(JObject json) => ((JArray)json["grants"]!).Cast<JObject>().ToList();

    private static CreditCase Read(JObject json) => TestCases.Read(TestJson.Write(json));

    private static CreditCase Ask(EdgeCase g, JObject request) => TestCases.Read(g.Asked.With(request));

    private static string Text(CaseObject o, string name) => (string)o.Get(name)!;

    private static bool UnconfirmedPurchase(CaseGrant g, Instant asOf) =>
        g.Kind == "usage" && Text(g, "source") == "purchase" && !((Instant?)g.Get("confirmedAt") <= asOf);

    private static IEnumerable<JObject> EveryRequest(CreditCase c)
    {
        var grant = c.Grants.Count > 0 ? c.Grants[0].Id : null;
        yield return EdgeCases.Request("use", amount: 0.01m, requestedBy: c.Account.Id);
        yield return EdgeCases.Request("closeAccount");
        yield return EdgeCases.Request("expirations");
        yield return EdgeCases.Request("reload");
        yield return EdgeCases.Request("balance");
        if (grant is null) yield break;
        yield return EdgeCases.Request("restore", grantId: grant);
        yield return EdgeCases.Request("refund", grantId: grant);
        yield return EdgeCases.Request("cashOut", grantId: grant);
        yield return EdgeCases.Request("transfer", amount: 1m, grantId: grant, toAccountId: "acct_elsewhere");
        yield return EdgeCases.Request("sell", amount: 1m, grantId: grant, toAccountId: "acct_elsewhere");
    }

    private static void Check(bool holds, EdgeCase g, CreditCase asked, string what)
    {
        if (holds) return;
        Assert.Fail($"{g.Origin}: {what}{Environment.NewLine}{CanonicalCase.Serialize(asked)}{Environment.NewLine}"
            + DecisionJson.Serialize(BundledRules.AlwaysInForce.Decide(asked)));
    }
}
