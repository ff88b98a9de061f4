using System.Linq.Expressions;
using System.Reflection;

namespace CreditPolicy.Rules;

/// <summary>Counts the work rule expressions do in one decision, and stops a decision that does more than its budget.</summary>
/// <remarks>
/// The sandbox rejects at load what can be seen in an expression (reflection, the clock, I/O, generators such as
/// <c>Enumerable.Range</c>). What cannot be seen is how much work an allowed expression does on a given case:
/// <c>c.Grants.Sum(a =&gt; c.Grants.Sum(b =&gt; c.Grants.Count(x =&gt; x.Remaining &gt; 0m)))</c> is cubic in the number
/// of grants. So every expression is rewritten when it is compiled: each element a sequence operator visits and
/// each call of a lambda passed to one costs a step, as does each grant a fact such as <c>c.Available</c> sums.
/// The count is per thread and starts afresh with each decision; past the limit the rule fails and the decision
/// is indeterminate.
/// </remarks>
internal static class StepBudget
{
    /// <summary>The default number of steps one decision may take.</summary>
    public const long DefaultLimit = 1_000_000;

    [ThreadStatic]
    private static long t_left;

    [ThreadStatic]
    private static long t_limit;

    private static readonly MethodInfo TickMethod = typeof(StepBudget).GetMethod(nameof(Tick))!;

    private static readonly MethodInfo CountedMethod = typeof(StepBudget).GetMethod(nameof(Counted))!;

    /// <summary>Starts the budget of a decision on this thread.</summary>
    public static void Begin(long limit)
    {
        t_limit = limit;
        t_left = limit;
    }

    /// <summary>Spends one step.</summary>
    /// <exception cref="StepBudgetExceededException">Thrown when the decision has spent its budget (or none was begun on this thread).</exception>
    public static void Tick()
    {
        if (--t_left < 0) throw new StepBudgetExceededException(t_limit);
    }

    /// <summary>The sequence, spending one step per element visited.</summary>
    public static IEnumerable<T> Counted<T>(IEnumerable<T> source)
    {
        foreach (var item in source)
        {
            Tick();
            yield return item;
        }
    }

    /// <summary>Rewrites an expression (already checked by <see cref="ExpressionSandbox"/>) so that the work of its sequence operators is counted.</summary>
    public static Expression Instrument(Expression expression) => new Instrumenter().Visit(expression);

    private sealed class Instrumenter : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            var visited = (MethodCallExpression)base.VisitMethodCall(node);
            if (visited.Method.DeclaringType != typeof(Enumerable)) return visited;

            var parameters = visited.Method.GetParameters();
            var arguments = visited.Arguments.ToArray();
            for (var i = 0; i < arguments.Length; i++)
            {
                var type = parameters[i].ParameterType;
                if (arguments[i] is LambdaExpression lambda)
                {
                    arguments[i] = Expression.Lambda(lambda.Type, Expression.Block(Expression.Call(TickMethod), lambda.Body), lambda.Parameters);
                }
                else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                {
                    arguments[i] = Expression.Call(CountedMethod.MakeGenericMethod(type.GetGenericArguments()[0]), arguments[i]);
                }
            }

            return visited.Update(visited.Object, arguments);
        }
    }
}

/// <summary>Thrown inside a decision when its rules have spent the step budget.</summary>
internal sealed class StepBudgetExceededException(long limit)
    : Exception(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the decision exceeded its budget of {limit:N0} steps (sequence elements visited and lambda calls)"))
{
    public long Limit { get; } = limit;
}
