using System.Collections;
using System.Linq.Expressions;
using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Rules;

/// <summary>The facts a rule's expressions read, compiled to small delegates that a trace evaluates after the rule ran.</summary>
/// <remarks>
/// At load, every maximal member chain rooted at the parameters <c>c</c> or <c>g</c> (<c>c.Available</c>,
/// <c>g.Expiry</c>, <c>c.Account.BalanceMaintenance.Threshold</c>, <c>c.Target.Is("expired")</c>) is collected; a
/// trailing <c>.Value</c> or <c>.HasValue</c> of a nullable is dropped so a null shows as null instead of an error.
/// Facts read only by what a rule produces (an expiry rule's <c>expiresAt</c>, a reload's <c>amount</c>) are
/// listed only when the rule fired, since only then were they read.
/// The probes compile the first time a trace needs them, so loading and the plain decide path pay nothing.
/// While probes run, the grant rules cannot be started by a probe (<see cref="CaseFacts.Probing"/>): a trace
/// reads the evaluation, it never changes it.
/// </remarks>
internal sealed class RuleProbes
{
    public static RuleProbes None { get; } = new([], [], Expression.Parameter(typeof(CaseFacts), "c"), null);

    private readonly Expression[] _chains;
    private readonly bool[] _readsGrant;
    private readonly bool[] _effectOnly;
    private readonly string[] _names;
    private readonly Lazy<Func<CaseFacts, object?, object?>[]> _compiled;

    private RuleProbes(IReadOnlyList<Expression> chains, IReadOnlyList<bool> effectOnly, ParameterExpression c, ParameterExpression? g)
    {
        _chains = chains.ToArray();
        _effectOnly = effectOnly.ToArray();
        _names = _chains.Select(e => e.ToString()).ToArray();
        _readsGrant = _chains.Select(e => g is not null && Parameters(e).Contains(g)).ToArray();
        _compiled = new(() => _chains
            .Select(e => RuleSetLoader.Delegate<object?>(Expression.Convert(e, typeof(object)), c, g))
            .ToArray());
    }

    /// <summary>The probe names, in order of first appearance.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Collects the chains of a rule's condition and of the expressions giving what it produces, deduplicated by their text, in order of first appearance.</summary>
    public static RuleProbes Collect(Expression? condition, IEnumerable<Expression?> effects, ParameterExpression c, ParameterExpression? g)
    {
        var collector = new Collector(c, g);
        if (condition is not null) collector.Visit(condition);
        var conditionChains = collector.Chains.Count;
        foreach (var body in effects)
        {
            if (body is not null) collector.Visit(body);
        }

        return collector.Chains.Count == 0
            ? None
            : new RuleProbes(collector.Chains, collector.Chains.Select((_, i) => i >= conditionChains).ToArray(), c, g);
    }

    /// <summary>Reads the probes for a case (and, for grant rules, a grant); a request rule's entry reads only probes of <c>c</c>, a rule that did not fire only its condition's.</summary>
    public IReadOnlyList<TraceValue> Read(CaseFacts c, GrantFacts? g, bool fired)
    {
        if (_chains.Length == 0) return [];
        var probes = _compiled.Value;
        var values = new List<TraceValue>(probes.Length);
        var wasProbing = c.Probing;
        c.Probing = true;
        try
        {
            for (var i = 0; i < probes.Length; i++)
            {
                if ((_readsGrant[i] && g is null) || (_effectOnly[i] && !fired)) continue;
                try
                {
                    values.Add(new TraceValue(_names[i], Normalize(probes[i](c, g))));
                }
                catch (Exception ex)
                {
                    // Whatever the fact throws is shown, not raised: the rule itself already ran, and its failure (if any) is the decision's.
                    values.Add(new TraceValue(_names[i], null, ex is NullReferenceException ? "null: nothing to read it from" : ex.Message.TrimEnd('.')));
                }
            }
        }
        finally
        {
            c.Probing = wasProbing;
        }

        return values;
    }

    private static object? Normalize(object? value) => value switch
    {
        null or string or bool or int or long or decimal or Instant or LocalDate => value,
        GrantFacts g => g.Id,
        CaseAccount a => a.Id,
        CaseGrant g => g.Id,
        CaseRequest r => r.Type,
        CaseObject o => o.Present ? o.Attributes.ToDictionary(kv => kv.Key, kv => Normalize(kv.Value)) : null,
        IEnumerable e => e.Cast<object?>().Select(Normalize).ToArray(),
        _ => value.ToString(),
    };

    private static HashSet<ParameterExpression> Parameters(Expression e)
    {
        var finder = new ParameterFinder();
        finder.Visit(e);
        return finder.Found;
    }

    private static Expression? Root(Expression e)
    {
        while (true)
        {
            switch (e)
            {
                case MemberExpression { Expression: { } inner }:
                    e = inner;
                    break;
                case MethodCallExpression { Object: { } target }:
                    e = target;
                    break;
                default:
                    return e;
            }
        }
    }

    private static bool IsLink(Expression e) => e is MemberExpression { Expression: not null } or MethodCallExpression { Object: not null };

    private sealed class Collector(ParameterExpression c, ParameterExpression? g) : ExpressionVisitor
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public List<Expression> Chains { get; } = [];

        public override Expression? Visit(Expression? node)
        {
            if (node is null || !IsLink(node) || Root(node) is not ParameterExpression p || (p != c && p != g)) return base.Visit(node);

            // Chains whose arguments use a lambda's own parameter (x => c.AvailableOf(x.Kind)) cannot be read outside the lambda.
            if (Parameters(node).All(q => q == c || q == g))
            {
                var chain = node;
                if (chain is MemberExpression { Member.Name: "Value" or "HasValue", Expression: { } nullable } && Nullable.GetUnderlyingType(nullable.Type) is not null)
                {
                    chain = nullable;
                }

                if (_seen.Add(chain.ToString())) Chains.Add(chain);
            }

            // Arguments along the chain may hold chains of their own: c.AvailableOf(g.Kind).
            for (var e = node; e is not null && e != p;)
            {
                switch (e)
                {
                    case MethodCallExpression call:
                        foreach (var arg in call.Arguments) Visit(arg);
                        e = call.Object;
                        break;
                    case MemberExpression member:
                        e = member.Expression;
                        break;
                    default:
                        e = null;
                        break;
                }
            }

            return node;
        }
    }

    private sealed class ParameterFinder : ExpressionVisitor
    {
        public HashSet<ParameterExpression> Found { get; } = [];

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found.Add(node);
            return node;
        }

        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            // A nested lambda's own parameters are bound inside it; only free parameters matter.
            var inner = new ParameterFinder();
            inner.Visit(node.Body);
            foreach (var q in inner.Found.Where(q => !node.Parameters.Contains(q))) Found.Add(q);
            return node;
        }
    }
}
