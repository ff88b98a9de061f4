using System.Linq.Expressions;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;

namespace CreditPolicy.Rules;

/// <summary>The vocabulary's declared checks, compiled: what turns a well-typed case into a consistent one (a grant's remaining within its amount, a closed account saying when it closed).</summary>
/// <remarks>
/// Checks run when a case is read, after every field has been read and typed, and before anything decides it: a case
/// that fails one is never constructed, so it is never permitted. A check that throws (an overflow, the step budget)
/// is a problem too: the case cannot be shown consistent, so it is refused.
/// </remarks>
internal sealed class ContractChecks
{
    private readonly RuleExpressions _expressions;
    private readonly IReadOnlyList<Compiled> _checks;

    private ContractChecks(RuleExpressions expressions, IReadOnlyList<Compiled> checks)
    {
        _expressions = expressions;
        _checks = checks;
    }

    private sealed record Compiled(CheckContract Check, IReadOnlyDictionary<string, (Func<CaseFacts, object?, bool>? When, Func<CaseFacts, object?, bool> Require)> ByRequest);

    /// <summary>Compiles every check of the expressions' vocabulary; problems name vocabulary.json and the check.</summary>
    public static ContractChecks Compile(RuleExpressions expressions, List<RuleProblem> problems)
    {
        var contract = expressions.Contract;
        var compiled = new List<Compiled>();
        for (var i = 0; i < contract.Checks.Count; i++)
        {
            var check = contract.Checks[i];
            var at = $"checks[{i}]";
            var byRequest = new Dictionary<string, (Func<CaseFacts, object?, bool>?, Func<CaseFacts, object?, bool>)>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            void Add(string message)
            {
                if (seen.Add(message)) problems.Add(new RuleProblem(contract.File, null, check.Name, $"{at}.{message}"));
            }

            // A check for every request is compiled once against the c all requests share; one for some types, per type.
            IEnumerable<string?> types = check.AppliesTo.Count == 0 ? new string?[] { null } : check.AppliesTo.Cast<string?>();
            foreach (var type in types)
            {
                var c = expressions.CaseParameter(type);
                var g = check.Scope == "grant" ? expressions.GrantParameter(check: true) : null;
                var when = check.When is null ? null : expressions.Parse("when", check.When, c, g, ExpressionPhase.Check, typeof(bool), Add);
                var require = expressions.Parse("require", check.Require, c, g, ExpressionPhase.Check, typeof(bool), Add);
                if (require is null || (check.When is not null && when is null)) continue;
                byRequest[type ?? ""] = (when is null ? null : RuleSetLoader.Delegate<bool>(when.Body, c, g), RuleSetLoader.Delegate<bool>(require.Body, c, g));
            }

            if (byRequest.Count == types.Count()) compiled.Add(new Compiled(check, byRequest));
        }

        return new ContractChecks(expressions, compiled);
    }

    /// <summary>The validator a contract runs on each case read against it, for the version that owns the contract.</summary>
    public Func<CreditCase, IReadOnlyList<CaseProblem>> For(RuleSet set) => @case => Run(set, @case);

    private IReadOnlyList<CaseProblem> Run(RuleSet set, CreditCase @case)
    {
        if (_checks.Count == 0) return [];
        List<CaseProblem>? problems = null;
        var facts = _expressions.Facts.Create(@case, set, grantStage: null);
        StepBudget.Begin(StepBudget.DefaultLimit);
        foreach (var compiled in _checks)
        {
            var check = compiled.Check;
            if (!compiled.ByRequest.TryGetValue(check.AppliesTo.Count == 0 ? "" : @case.Request.Type, out var f)) continue;
            if (check.Scope == "grant")
            {
                for (var i = 0; i < @case.Grants.Count; i++)
                {
                    if (Fails(f, facts, @case.Grants[i], check, out var why))
                    {
                        (problems ??= []).Add(new CaseProblem($"grants[{i}].{check.Path}", why));
                    }
                }
            }
            else if (Fails(f, facts, null, check, out var why))
            {
                (problems ??= []).Add(new CaseProblem(check.Path, why));
            }
        }

        return problems ?? (IReadOnlyList<CaseProblem>)[];
    }

    private static bool Fails((Func<CaseFacts, object?, bool>? When, Func<CaseFacts, object?, bool> Require) f, CaseFacts c, CaseGrant? g, CheckContract check, out string why)
    {
        try
        {
            why = check.Message;
            return (f.When is null || f.When(c, g)) && !f.Require(c, g);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            why = $"check '{check.Name}' could not be evaluated ({ex.GetType().Name}: {ex.Message}), so the case cannot be shown consistent";
            return true;
        }
    }
}
