using CreditPolicy.Rules;
using NodaTime;
using RulesEngine.Models;

namespace CreditPolicy.Evaluation;

/// <summary>Evaluates rule conditions and expiries through RulesEngine's stock <c>ExecuteAllRulesAsync</c>: the baseline the compiled path is measured and checked against.</summary>
/// <remarks>
/// The rules of each version are regrouped into RulesEngine workflows by stage (expiry rules, exclusion rules, and
/// the request rules of each request type), because a stage can only run once the one before it has: an exclusion
/// reads the expiry. Expiry rules carry their <c>expiresAt</c> as an <c>OutputExpression</c> action, so RulesEngine
/// computes the value too. RulesEngine reports a rule that throws as an ordinary failed result with an
/// <c>ExceptionMessage</c>; this runner turns that back into an exception, so the evaluator fails closed on either path.
/// The effects' other expressions (draw order, forfeit, reload amount and date) run as compiled on both paths.
/// </remarks>
internal sealed class StockRulesEngineRunner
{
    private readonly RulesEngine.RulesEngine _engine;
    private readonly Dictionary<RuleSet, Names> _names = [];
    private readonly Dictionary<RuleSet, RuleParameter[]> _constants = [];

    public StockRulesEngineRunner(RuleCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        var workflows = new List<Workflow>();
        var index = 0;
        foreach (var set in catalogue.Versions)
        {
            var prefix = $"v{index++}";
            var names = new Names($"{prefix}|expiry", $"{prefix}|exclude", $"{prefix}|request|");
            _names[set] = names;
            _constants[set] = set.Contract.Constants.Select(k => new RuleParameter(k.Name, k.Value)).ToArray();
            workflows.Add(Workflow(names.Expiry, set.ExpiryRules));
            workflows.Add(Workflow(names.Exclude, set.ExclusionRules));
            foreach (var (type, rules) in set.RequestRules)
            {
                if (rules.Count > 0) workflows.Add(Workflow(names.Request + type, rules));
            }
        }

        _engine = new RulesEngine.RulesEngine(workflows.Where(w => w.Rules.Any()).ToArray(), RuleSetLoader.Settings);
    }

    /// <summary>Starts one evaluation under one version of the terms; a session is used by one thread.</summary>
    public Session Begin(RuleSet set) => new(this, _names[set], _constants[set]);

    private static Workflow Workflow(string name, IEnumerable<CompiledRule> rules) => new()
    {
        WorkflowName = name,
        Rules = rules.Select(r => new Rule
        {
            RuleName = r.Name,
            Expression = r.Info.Expression,
            RuleExpressionType = RuleExpressionType.LambdaExpression,
            SuccessEvent = r.Info.Message,
            Actions = r.ExpiresAtText is { } expiresAt
                ? new RuleActions { OnSuccess = new ActionInfo { Name = "OutputExpression", Context = new Dictionary<string, object> { ["expression"] = expiresAt } } }
                : null,
        }).ToList(),
    };

    internal sealed record Names(string Expiry, string Exclude, string Request);

    /// <summary>The results of one evaluation, run stage by stage as the evaluator first asks for them.</summary>
    internal sealed class Session(StockRulesEngineRunner runner, Names names, RuleParameter[] constants)
    {
        private readonly Dictionary<GrantFacts, Dictionary<string, RuleResultTree>> _expiry = [];
        private readonly Dictionary<GrantFacts, Dictionary<string, RuleResultTree>> _exclude = [];
        private Dictionary<string, RuleResultTree>? _request;

        /// <summary>The expiry the rule proposes for the grant, or null when its condition does not hold.</summary>
        public Instant? Expiry(CompiledRule rule, CaseFacts c, GrantFacts g)
        {
            var result = Result(_expiry, names.Expiry, rule, c, g);
            if (!result.IsSuccess) return null;
            if (rule.NeverExpires) return Instant.MaxValue;
            if (result.ActionResult?.Exception is { } failed) throw new InvalidOperationException(failed.Message, failed);
            return result.ActionResult?.Output is Instant at
                ? at
                : throw new InvalidOperationException($"RulesEngine gave no expiry instant for rule '{rule.Name}'.");
        }

        /// <summary>Whether the exclusion rule's condition holds for the grant.</summary>
        public bool Exclusion(CompiledRule rule, CaseFacts c, GrantFacts g) => Result(_exclude, names.Exclude, rule, c, g).IsSuccess;

        /// <summary>Whether the request rule's condition holds.</summary>
        public bool Request(CompiledRule rule, CaseFacts c)
        {
            _request ??= Execute(names.Request + c.Case.Request.Type, [new RuleParameter("c", c), .. constants]);
            return Checked(_request, rule).IsSuccess;
        }

        private RuleResultTree Result(Dictionary<GrantFacts, Dictionary<string, RuleResultTree>> stage, string workflow, CompiledRule rule, CaseFacts c, GrantFacts g)
        {
            if (!stage.TryGetValue(g, out var results))
            {
                results = Execute(workflow, [new RuleParameter("c", c), new RuleParameter("g", g), .. constants]);
                stage[g] = results;
            }

            return Checked(results, rule);
        }

        private Dictionary<string, RuleResultTree> Execute(string workflow, RuleParameter[] inputs) =>
            runner._engine.ExecuteAllRulesAsync(workflow, inputs).GetAwaiter().GetResult()
                .ToDictionary(r => r.Rule.RuleName, StringComparer.Ordinal);

        // RulesEngine turns an exception into IsSuccess = false with ExceptionMessage set: undo that, so it cannot pass for "false".
        private static RuleResultTree Checked(Dictionary<string, RuleResultTree> results, CompiledRule rule)
        {
            var result = results[rule.Name];
            return string.IsNullOrEmpty(result.ExceptionMessage)
                ? result
                : throw new InvalidOperationException(result.ExceptionMessage);
        }
    }
}
