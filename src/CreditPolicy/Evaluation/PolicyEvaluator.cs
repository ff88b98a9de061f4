using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Rules.Effects;
using NodaTime;
using static CreditPolicy.Rules.RuleConventions;

namespace CreditPolicy.Evaluation;

/// <summary>Runs a compiled rule set against a case and maps what fired to a decision.</summary>
/// <remarks>
/// The evaluator knows the mechanism, not the terms: grant rules propose expiries (the earliest wins) and exclusions,
/// in two phases over all grants; request rules deny, permit or add notes; a permit rule may produce one effect of the
/// decision, computed by that effect's module from expressions in the rule's properties. Any exception from any rule
/// makes the decision <see cref="Outcome.Indeterminate"/> and names the rule; nothing that fails is permitted. Nothing a
/// decision contains depends on the order of grants in the case: ties are broken by grant id and lists are sorted.
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
        if (catalogue.VersionFor(@case) is not { } set)
        {
            return Indeterminate(catalogue.Identity, @case.AsOf, [NoVersion(catalogue, @case)]);
        }

        // A case read against another vocabulary (for example before a reload changed it) is read again against this one.
        if (!ReferenceEquals(@case.Contract, set.Contract))
        {
            var again = catalogue.ReadCase(Json.CanonicalCase.Utf8(@case));
            if (!again.IsValid)
            {
                return Indeterminate(set.Identity, @case.AsOf, again.Problems.Select(p => new Reason(InvalidCaseRule, null, p.ToString())).ToArray());
            }

            @case = again.Case!;
        }

        StepBudget.Begin(maxSteps);
        var session = stock?.Begin(set);
        var facts = set.Facts.Create(@case, set, c => RunGrantRules(set, c, trace, session));
        try
        {
            return Decide(set, facts, trace, session);
        }
        catch (RuleFailure failure)
        {
            return Indeterminate(set.Identity, @case.AsOf, [failure.Reason]);
        }
        catch (ArithmeticException ex)
        {
            // Outside any rule, for example summing remaining amounts the case contract accepts beyond decimal's range.
            return Indeterminate(set.Identity, @case.AsOf, [new Reason(FailedRule, null, $"The evaluator could not decide: {ex.GetType().Name}: {ex.Message}")]);
        }
    }

    /// <summary>The case as the version that decides it reads it: the case itself when it was read against that version's
    /// vocabulary, else the case read again from its canonical form (as <see cref="Evaluate"/> decides it).</summary>
    /// <remarks>
    /// A record digests, and a decision log writes, this case, so that a case read before a reload changed the vocabulary
    /// is recorded as it was decided, and replaying the log gives the same bytes. When no version decides the case, or it
    /// is not valid under the deciding version's vocabulary, the case itself (the decision is indeterminate and says why).
    /// </remarks>
    public static CreditCase AsDecidedBy(RuleCatalogue catalogue, CreditCase @case)
    {
        ArgumentNullException.ThrowIfNull(@case);
        if (catalogue.VersionFor(@case) is not { } set || ReferenceEquals(@case.Contract, set.Contract)) return @case;
        return catalogue.ReadCase(Json.CanonicalCase.Utf8(@case)).Case ?? @case;
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
        var type = c.Case.Request.Type;
        var rules = set.RequestRules.TryGetValue(type, out var list) ? list : [];
        List<CompiledRule>? fired = null;
        var denied = false;
        var permitted = false;
        foreach (var rule in rules)
        {
            bool hit;
            try
            {
                hit = stock is null ? rule.RequestConditions[type](c, null) : stock.Request(rule, c);
            }
            catch (Exception ex) when (ex is not RuleFailure)
            {
                throw EffectModule.Failed(rule, null, ex);
            }

            trace?.Add(new TraceEntry(rule.Name, rule.Clause, Scopes.Request, null, hit, null) { Values = rule.ProbesFor(type).Read(c, null, hit) });
            if (!hit) continue;
            (fired ??= []).Add(rule);
            denied |= rule.Info.Effect == EffectKinds.Deny;
            permitted |= rule.Info.Effect == EffectKinds.Permit;
        }

        if (denied)
        {
            var reasons = new List<Reason>();
            foreach (var rule in fired!)
            {
                if (rule.Info.Effect == EffectKinds.Deny) reasons.Add(rule.Reason);
            }

            if (fired!.Any(r => r.ExplainExclusions))
            {
                // Grant reasons by grant id, so they do not depend on the order of grants in the case.
                foreach (var g in c.GrantArray) // already in grant id order
                {
                    foreach (var (rule, clause, message) in g.Exclusions) reasons.Add(new Reason(rule, clause, message, g.Id));
                }
            }

            return new Decision(Outcome.Deny, reasons, [], [], [], null, null, null, set.Identity, c.AsOf);
        }

        if (!permitted)
        {
            return new Decision(Outcome.Deny, [new Reason(NoPermitRule, null, $"No rule of terms version {set.Identity.TermsVersion} permits a '{type}' request in this case.")],
                [], [], [], null, null, null, set.Identity, c.AsOf);
        }

        var effects = new DecisionEffects();
        var permitReasons = new List<Reason>(fired!.Count);
        foreach (var rule in fired!)
        {
            permitReasons.Add(rule.Reason);
            if (rule.Produces is { } module) module.Apply(rule, rule.Effect[type], c, effects);
        }

        return new Decision(Outcome.Permit, permitReasons, effects.Allocations, effects.Forfeitures, effects.Expirations, effects.Reload, effects.Balance, effects.Movement, set.Identity, c.AsOf);
    }

    /// <summary>The grant rules, in two phases over every grant: expiries first, then exclusions, so each phase reads only facts the one before completed.</summary>
    internal static void RunGrantRules(RuleSet set, CaseFacts c, List<TraceEntry>? trace, StockRulesEngineRunner.Session? stock)
    {
        var grants = c.RawGrants;
        foreach (var g in grants)
        {
            Instant? best = null;
            CompiledRule? bestRule = null;
            foreach (var rule in set.ExpiryRules)
            {
                Instant? proposed = null;
                try
                {
                    if (stock is not null) proposed = stock.Expiry(rule, c, g);
                    else if (rule.GrantCondition!(c, g)) proposed = rule.NeverExpires ? Instant.MaxValue : rule.ExpiresAt!(c, g);
                }
                catch (Exception ex) when (ex is not RuleFailure)
                {
                    throw EffectModule.Failed(rule, g.Id, ex);
                }

                trace?.Add(new TraceEntry(rule.Name, rule.Clause, Scopes.Grant, g.Id, proposed is not null,
                    proposed is { } p ? (rule.NeverExpires ? "never expires" : $"expiresAt {RuleCatalogue.Format(p)}") : null) { Values = rule.ProbesFor("").Read(c, g, proposed is not null) });
                if (proposed is not { } value) continue;
                g.Propose(rule.Status!, value);
                if (best is null || value < best.Value)
                {
                    best = value;
                    bestRule = rule;
                }
            }

            if (bestRule is null)
            {
                throw new RuleFailure(new Reason(NoExpiryRule, null,
                    $"No expiry rule matched grant '{g.Id}' (kind '{g.Kind}'), so its expiry cannot be known; a rule with \"neverExpires\": true says when credits do not expire.", g.Id));
            }

            g.SetExpiry(best!.Value, bestRule.NeverExpires && best.Value == Instant.MaxValue, bestRule.Name, bestRule.Clause, bestRule.Status!);
        }

        foreach (var g in grants)
        {
            foreach (var rule in set.ExclusionRules)
            {
                bool hit;
                try
                {
                    hit = stock is null ? rule.GrantCondition!(c, g) : stock.Exclusion(rule, c, g);
                }
                catch (Exception ex) when (ex is not RuleFailure)
                {
                    throw EffectModule.Failed(rule, g.Id, ex);
                }

                trace?.Add(new TraceEntry(rule.Name, rule.Clause, Scopes.Grant, g.Id, hit, hit ? $"status {rule.Status}" : null) { Values = rule.ProbesFor("").Read(c, g, hit) });
                if (hit) g.Exclude(rule.Status!, rule.Name, rule.Clause, rule.Info.Message);
            }
        }
    }

    private static Decision Indeterminate(RuleSetIdentity rules, Instant asOf, IReadOnlyList<Reason> reasons) =>
        new(Outcome.Indeterminate, reasons, [], [], [], null, null, null, rules, asOf);
}
