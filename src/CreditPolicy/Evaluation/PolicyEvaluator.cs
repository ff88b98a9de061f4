using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using NodaTime;
using NodaTime.Text;
using static CreditPolicy.Rules.RuleConventions;

namespace CreditPolicy.Evaluation;

/// <summary>Runs a compiled rule set against a case and maps what fired to a decision.</summary>
/// <remarks>
/// The evaluator knows the mechanism, not the terms: grant rules propose expiries (the earliest wins)
/// and exclusions; request rules deny, permit or add notes; a permit rule may produce one effect of
/// the decision, shaped by expressions in its properties. Any exception from any rule makes the
/// decision <see cref="Outcome.Indeterminate"/> and names the rule; nothing that fails is permitted.
/// </remarks>
internal static class PolicyEvaluator
{
    /// <summary>Reason rule names the evaluator itself uses when no rule decided.</summary>
    internal const string InvalidCaseRule = "evaluator:invalid-case";
    internal const string NoExpiryRule = "evaluator:no-expiry-rule";
    internal const string NoPermitRule = "evaluator:no-permitting-rule";
    internal const string NoTermsInForceRule = "evaluator:no-terms-in-force";
    internal const string UnknownTermsVersionRule = "evaluator:unknown-terms-version";
    internal const string FailedRule = "evaluator:failed";

    /// <summary>Decides a case with the version of the terms that applies to it (pinned by the account, else in force at asOf).</summary>
    /// <remarks>
    /// With <paramref name="stock"/>, every rule condition and expiry is evaluated by RulesEngine's own
    /// <c>ExecuteAllRulesAsync</c> instead of the delegates compiled at load; everything else is the same code.
    /// It exists to measure against and to prove the two paths decide alike.
    /// </remarks>
    public static Decision Evaluate(RuleCatalogue catalogue, CreditCase @case, List<TraceEntry>? trace, long maxSteps = StepBudget.DefaultLimit, StockRulesEngineRunner? stock = null)
    {
        ArgumentNullException.ThrowIfNull(@case);
        var problems = CaseValidator.Validate(@case);
        if (problems.Count > 0)
        {
            return Indeterminate(catalogue.Identity, @case.AsOf, problems.Select(p => new Reason(InvalidCaseRule, null, p.ToString())).ToArray());
        }

        if (catalogue.VersionFor(@case) is not { } set)
        {
            return Indeterminate(catalogue.Identity, @case.AsOf, [NoVersion(catalogue, @case)]);
        }

        StepBudget.Begin(maxSteps);

        var session = stock?.Begin(set);
        var facts = new CaseFacts(@case, c => RunGrantRules(set, c, trace, session));
        try
        {
            return Decide(set, facts, trace, session);
        }
        catch (EvaluationFailure failure)
        {
            return Indeterminate(set.Identity, @case.AsOf, [failure.Reason]);
        }
        catch (ArithmeticException ex)
        {
            // Outside any rule, for example summing remaining amounts the case contract accepts beyond decimal's range.
            return Indeterminate(set.Identity, @case.AsOf, [new Reason(FailedRule, null, $"The evaluator could not decide: {ex.GetType().Name}: {ex.Message}")]);
        }
    }

    private static Reason NoVersion(RuleCatalogue catalogue, CreditCase @case)
    {
        var held = string.Join(", ", catalogue.Versions.Select(v => v.Identity.TermsVersion));
        if (@case.Account.TermsVersion is { } pinned)
        {
            return new Reason(UnknownTermsVersionRule, null,
                $"The account is pinned to terms version '{pinned}', which these rules do not hold (they hold {held}).");
        }

        var first = catalogue.Versions[0];
        return new Reason(NoTermsInForceRule, null,
            $"No version of the terms is in force at {RuleCatalogue.Format(@case.AsOf)}: the earliest, {first.Identity.TermsVersion}, takes effect at {RuleCatalogue.Format(first.EffectiveFrom!.Value)}.");
    }

    private static Decision Decide(RuleSet set, CaseFacts c, List<TraceEntry>? trace, StockRulesEngineRunner.Session? stock)
    {
        var rules = set.RequestRules.TryGetValue(c.Request.Type, out var list) ? list : [];
        List<CompiledRule>? fired = null;
        var denied = false;
        var permitted = false;
        foreach (var rule in rules)
        {
            bool hit;
            try
            {
                hit = stock is null ? rule.RequestCondition!(c) : stock.Request(rule, c);
            }
            catch (Exception ex) when (ex is not EvaluationFailure)
            {
                throw Failed(rule, null, ex);
            }

            trace?.Add(new TraceEntry(rule.Name, rule.Clause, Scopes.Request, null, hit, null) { Values = rule.Probes.Read(c, null, hit) });
            if (!hit) continue;
            (fired ??= []).Add(rule);
            denied |= rule.Info.Effect == Effects.Deny;
            permitted |= rule.Info.Effect == Effects.Permit;
        }

        if (denied)
        {
            var reasons = new List<Reason>();
            foreach (var rule in fired!)
            {
                if (rule.Info.Effect == Effects.Deny) reasons.Add(ReasonOf(rule));
            }

            if (fired!.Any(r => r.ExplainExclusions))
            {
                foreach (var g in c.GrantArray)
                {
                    foreach (var (rule, clause, message) in g.Exclusions) reasons.Add(new Reason(rule, clause, message, g.Id));
                }
            }

            return new Decision(Outcome.Deny, reasons, [], [], [], null, null, set.Identity, c.AsOf);
        }

        if (!permitted)
        {
            return new Decision(Outcome.Deny, [new Reason(NoPermitRule, null, $"No rule of terms version {set.Identity.TermsVersion} permits a '{c.Request.Type}' request in this case.")],
                [], [], [], null, null, set.Identity, c.AsOf);
        }

        IReadOnlyList<Allocation> allocations = [];
        IReadOnlyList<Forfeiture> forfeitures = [];
        IReadOnlyList<Expiration> expirations = [];
        ReloadCharge? reload = null;
        BalanceReport? balance = null;
        var permitReasons = new List<Reason>(fired!.Count);
        foreach (var rule in fired!)
        {
            permitReasons.Add(ReasonOf(rule));
            switch (rule.Produces)
            {
                case Products.Allocations: allocations = Allocate(rule, c); break;
                case Products.Forfeitures: forfeitures = Forfeit(rule, c); break;
                case Products.Expirations: expirations = ListExpirations(c); break;
                case Products.Balance: balance = Balance(c); break;
                case Products.Reload: reload = Reload(rule, c); break;
            }
        }

        return new Decision(Outcome.Permit, permitReasons, allocations, forfeitures, expirations, reload, balance, set.Identity, c.AsOf);
    }

    private static void RunGrantRules(RuleSet set, CaseFacts c, List<TraceEntry>? trace, StockRulesEngineRunner.Session? stock)
    {
        foreach (var g in c.RawGrants)
        {
            Instant? best = null;
            CompiledRule? bestRule = null;
            foreach (var rule in set.ExpiryRules)
            {
                Instant? proposed = null;
                try
                {
                    if (stock is not null) proposed = stock.Expiry(rule, c, g);
                    else if (rule.GrantCondition!(c, g)) proposed = rule.ExpiresAt!(c, g);
                }
                catch (Exception ex) when (ex is not EvaluationFailure)
                {
                    throw Failed(rule, g.Id, ex);
                }

                trace?.Add(new TraceEntry(rule.Name, rule.Clause, Scopes.Grant, g.Id, proposed is not null,
                    proposed is { } p ? $"expiresAt {InstantPattern.ExtendedIso.Format(p)}" : null) { Values = rule.Probes.Read(c, g, proposed is not null) });
                if (proposed is { } value && (best is null || value < best.Value))
                {
                    best = value;
                    bestRule = rule;
                }
            }

            if (bestRule is null)
            {
                throw new EvaluationFailure(new Reason(NoExpiryRule, null,
                    $"No expiry rule matched grant '{g.Id}' (kind '{g.Kind}', source '{g.Source}'), so its expiry cannot be known.", g.Id));
            }

            g.SetExpiry(best!.Value, bestRule.Name, bestRule.Clause, bestRule.Status!);
            foreach (var rule in set.ExclusionRules)
            {
                bool hit;
                try
                {
                    hit = stock is null ? rule.GrantCondition!(c, g) : stock.Exclusion(rule, c, g);
                }
                catch (Exception ex) when (ex is not EvaluationFailure)
                {
                    throw Failed(rule, g.Id, ex);
                }

                trace?.Add(new TraceEntry(rule.Name, rule.Clause, Scopes.Grant, g.Id, hit, hit ? $"status {rule.Status}" : null) { Values = rule.Probes.Read(c, g, hit) });
                if (hit) g.Exclude(rule.Status!, rule.Name, rule.Clause, rule.Info.Message);
            }
        }
    }

    private static IReadOnlyList<Allocation> Allocate(CompiledRule rule, CaseFacts c)
    {
        var grants = c.GrantArray;
        var width = rule.DrawOrder.Count;
        var candidates = new GrantFacts[grants.Length];
        var n = 0;
        foreach (var g in grants)
        {
            if (g.IsAvailable && g.Remaining > 0m) candidates[n++] = g;
        }

        var keys = new object[n * width];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < width; k++)
            {
                try
                {
                    keys[i * width + k] = rule.DrawOrder[k](c, candidates[i]);
                }
                catch (Exception ex) when (ex is not EvaluationFailure)
                {
                    throw Failed(rule, candidates[i].Id, ex);
                }
            }
        }

        // Ties on every key fall back to case order, so the order is a pure function of the case.
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        try
        {
            Array.Sort(order, new DrawOrderComparer(keys, width));
        }
        catch (InvalidOperationException ex)
        {
            // Array.Sort wraps what the comparer threw, for example a key that is null for some grant.
            throw Failed(rule, null, ex.InnerException ?? ex);
        }

        var left = c.Request.Amount;
        var allocations = new List<Allocation>(Math.Min(n, 4));
        foreach (var i in order)
        {
            var g = candidates[i];
            if (left == 0m) break;
            var take = Math.Min(left, g.Remaining);
            allocations.Add(new Allocation(g.Id, g.Kind, take));
            left -= take;
        }

        if (left > 0m)
        {
            throw new EvaluationFailure(new Reason(rule.Name, rule.Clause,
                $"Rule '{rule.Name}' permits the use, but the available grants cover only {c.Request.Amount - left} of {c.Request.Amount}; no deny rule caught it."));
        }

        return allocations;
    }

    /// <summary>Compares two candidates by their draw-order keys, most significant first, then by their place in the case.</summary>
    private sealed class DrawOrderComparer(object[] keys, int width) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            for (var k = 0; k < width; k++)
            {
                var cmp = CompareKeys(keys[a * width + k], keys[b * width + k]);
                if (cmp != 0) return cmp;
            }

            return a.CompareTo(b);
        }
    }

    private static int CompareKeys(object a, object b) =>
        a is string sa && b is string sb ? string.CompareOrdinal(sa, sb) : ((IComparable)a).CompareTo(b);

    private static IReadOnlyList<Forfeiture> Forfeit(CompiledRule rule, CaseFacts c)
    {
        var result = new List<Forfeiture>();
        foreach (var g in c.GrantArray)
        {
            if (!g.IsAvailable) continue;
            decimal amount;
            try
            {
                amount = rule.Forfeit!(c, g);
            }
            catch (Exception ex) when (ex is not EvaluationFailure)
            {
                throw Failed(rule, g.Id, ex);
            }

            if (amount < 0m || amount > g.Remaining)
            {
                throw new EvaluationFailure(new Reason(rule.Name, rule.Clause,
                    $"Rule '{rule.Name}' forfeits {amount} of grant '{g.Id}', outside 0..{g.Remaining} (its remaining).", g.Id));
            }

            if (amount > 0m) result.Add(new Forfeiture(g.Id, g.Kind, amount, c.AsOf));
        }

        return result;
    }

    private static IReadOnlyList<Expiration> ListExpirations(CaseFacts c)
    {
        var until = c.Request.Until;
        return c.Grants
            .Where(g => until is null || g.Expiry <= until.Value)
            .OrderBy(g => g.Expiry)
            .ThenBy(g => g.Id, StringComparer.Ordinal)
            .Select(g => new Expiration(g.Id, g.Kind, g.Expiry, g.ExpiryRule, g.ExpiryClause, c.AsOf >= g.Expiry, g.Remaining))
            .ToArray();
    }

    private static BalanceReport Balance(CaseFacts c)
    {
        var byKind = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        var total = 0m;
        foreach (var g in c.GrantArray)
        {
            if (!g.IsAvailable) continue;
            byKind[g.Kind] = byKind.TryGetValue(g.Kind, out var sum) ? sum + g.Remaining : g.Remaining;
            total += g.Remaining;
        }

        return new BalanceReport(total, byKind);
    }

    private static ReloadCharge Reload(CompiledRule rule, CaseFacts c)
    {
        decimal amount;
        LocalDate chargeOn;
        try
        {
            amount = rule.Amount!(c);
            chargeOn = rule.ChargeOn!(c);
        }
        catch (Exception ex) when (ex is not EvaluationFailure)
        {
            throw Failed(rule, null, ex);
        }

        if (amount <= 0m)
        {
            throw new EvaluationFailure(new Reason(rule.Name, rule.Clause, $"Rule '{rule.Name}' produces a reload of {amount}; a reload adds a positive amount."));
        }

        return new ReloadCharge(amount, chargeOn);
    }

    private static Reason ReasonOf(CompiledRule rule) => rule.Reason;

    private static EvaluationFailure Failed(CompiledRule rule, string? grantId, Exception ex) =>
        new(new Reason(rule.Name, rule.Clause, ex is StepBudgetExceededException budget
            ? $"Rule '{rule.Name}'{(grantId is null ? "" : $" (for grant '{grantId}')")} stopped: {budget.Message}; rules may not do unbounded work, so the decision is indeterminate."
            : $"Rule '{rule.Name}' failed{(grantId is null ? "" : $" for grant '{grantId}'")}: {ex.GetType().Name}: {ex.Message}", grantId));

    private static Decision Indeterminate(RuleSetIdentity rules, Instant asOf, IReadOnlyList<Reason> reasons) =>
        new(Outcome.Indeterminate, reasons, [], [], [], null, null, rules, asOf);

    /// <summary>Carries the reason an evaluation could not decide out of nested rule calls.</summary>
    private sealed class EvaluationFailure(Reason reason) : Exception(reason.Message)
    {
        public Reason Reason { get; } = reason;
    }
}
