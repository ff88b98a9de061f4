using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace CreditPolicy.Rules;

/// <summary>Counts the work rule expressions do in one decision, and stops a decision that does more than its budget.</summary>
/// <remarks>
/// <para>The sandbox rejects at load what can be seen in an expression (reflection, the clock, I/O, generators such as
/// <c>Enumerable.Range</c>). What cannot be seen is how much work an allowed expression does on a given case:
/// <c>c.Grants.Sum(a =&gt; c.Grants.Sum(b =&gt; c.Grants.Count(x =&gt; x.Remaining &gt; 0m)))</c> is cubic in the number
/// of grants, and <c>c.Account.Id.ToUpperInvariant()</c> is linear in the length of a string the case supplies.
/// So every expression is rewritten when it is compiled: each element a sequence operator visits, each call of a lambda
/// passed to one and each grant a fact such as <c>c.Available</c> sums costs a step, and a string operation costs one
/// step per <see cref="CharsPerStep"/> characters it reads or builds. A string built in a rule may not exceed
/// <see cref="MaxBuiltStringLength"/> characters. Integer arithmetic is checked (overflow fails the rule instead of
/// wrapping), and string comparisons are ordinal, never the host culture's.</para>
/// <para>The count is per thread and starts afresh with each decision (and each case check); past the limit the rule
/// fails and the decision is indeterminate. Counting steps rather than time keeps a decision a pure function of
/// (rules, case): the same case is decided the same way on a fast machine and a slow one.</para>
/// </remarks>
internal static class StepBudget
{
    /// <summary>The default number of steps one decision may take.</summary>
    public const long DefaultLimit = 1_000_000;

    /// <summary>How many characters a string operation may read or build per step.</summary>
    public const int CharsPerStep = 32;

    /// <summary>The longest string a rule may build, in characters.</summary>
    public const int MaxBuiltStringLength = 65_536;

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

    /// <summary>Spends steps for a string operation over this many characters.</summary>
    public static void SpendChars(long chars)
    {
        t_left -= 1 + chars / CharsPerStep;
        if (t_left < 0) throw new StepBudgetExceededException(t_limit);
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

    // What string operations in rules run as: ordinal, culture-free, and paid for by length.
    public static bool Contains(string s, string value)
    {
        SpendChars(s.Length + (value?.Length ?? 0));
        return s.Contains(value!, StringComparison.Ordinal);
    }

    public static bool StartsWith(string s, string value)
    {
        SpendChars(value?.Length ?? 0);
        return s.StartsWith(value!, StringComparison.Ordinal);
    }

    public static bool EndsWith(string s, string value)
    {
        SpendChars(value?.Length ?? 0);
        return s.EndsWith(value!, StringComparison.Ordinal);
    }

    public static string ToUpperInvariant(string s)
    {
        SpendChars(s.Length);
        return s.ToUpperInvariant();
    }

    public static string ToLowerInvariant(string s)
    {
        SpendChars(s.Length);
        return s.ToLowerInvariant();
    }

    public static string Trim(string s)
    {
        SpendChars(s.Length);
        return s.Trim();
    }

    public static bool StringEquals(string? a, string? b)
    {
        SpendChars(Math.Min(a?.Length ?? 0, b?.Length ?? 0));
        return string.Equals(a, b, StringComparison.Ordinal);
    }

    public static int CompareOrdinal(string? a, string? b)
    {
        SpendChars(Math.Min(a?.Length ?? 0, b?.Length ?? 0));
        return string.CompareOrdinal(a, b);
    }

    public static string Concat(string? a, string? b)
    {
        var length = (long)(a?.Length ?? 0) + (b?.Length ?? 0);
        if (length > MaxBuiltStringLength)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"the expression builds a string of {length:N0} characters; rules may build strings of at most {MaxBuiltStringLength:N0}"));
        }

        SpendChars(length);
        return string.Concat(a, b);
    }

    /// <summary>Rewrites an expression (already checked by <see cref="ExpressionSandbox"/>) so that its work is counted, its arithmetic checked and its string operations ordinal.</summary>
    public static Expression Instrument(Expression expression) => new Instrumenter().Visit(expression)!;

    private static MethodInfo Method(string name, params Type[] parameters) => typeof(StepBudget).GetMethod(name, parameters)!;

    private sealed class Instrumenter : ExpressionVisitor
    {
        public override Expression? Visit(Expression? node)
        {
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            return base.Visit(node);
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            var visited = (BinaryExpression)base.VisitBinary(node);
            if (visited.Method is null && IsInteger(visited.Left.Type))
            {
                switch (visited.NodeType)
                {
                    case ExpressionType.Add: return Expression.AddChecked(visited.Left, visited.Right);
                    case ExpressionType.Subtract: return Expression.SubtractChecked(visited.Left, visited.Right);
                    case ExpressionType.Multiply: return Expression.MultiplyChecked(visited.Left, visited.Right);
                }
            }

            if (visited.Method is { DeclaringType: var t, Name: "op_Equality" or "op_Inequality" } m && t == typeof(string))
            {
                var equal = Expression.Call(Method(nameof(StringEquals), typeof(string), typeof(string)), visited.Left, visited.Right);
                return m.Name == "op_Equality" ? equal : Expression.Not(equal);
            }

            return visited;
        }

        protected override Expression VisitUnary(UnaryExpression node)
        {
            var visited = (UnaryExpression)base.VisitUnary(node);
            if (visited.Method is null && IsInteger(visited.Operand.Type))
            {
                if (visited.NodeType == ExpressionType.Negate) return Expression.NegateChecked(visited.Operand);
                if (visited.NodeType == ExpressionType.Convert && IsInteger(visited.Type)) return Expression.ConvertChecked(visited.Operand, visited.Type);
            }

            return visited;
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            var visited = (MethodCallExpression)base.VisitMethodCall(node);
            var method = visited.Method;
            if (method.DeclaringType == typeof(string)) return StringCall(visited);
            if (method.DeclaringType != typeof(Enumerable)) return visited;

            var parameters = method.GetParameters();
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

            // Sorting by a string key sorts ordinally, never by the host culture's collation.
            if (method.Name is "OrderBy" or "OrderByDescending" or "ThenBy" or "ThenByDescending" && arguments.Length == 2
                && method.GetGenericArguments()[1] == typeof(string))
            {
                var withComparer = typeof(Enumerable).GetMethods()
                    .Single(m => m.Name == method.Name && m.GetParameters().Length == 3)
                    .MakeGenericMethod(method.GetGenericArguments());
                return Expression.Call(withComparer, arguments[0], arguments[1], Expression.Constant(StringComparer.Ordinal, typeof(IComparer<string>)));
            }

            return visited.Update(visited.Object, arguments);
        }

        private static Expression StringCall(MethodCallExpression call)
        {
            var a = call.Arguments;
            return call.Method.Name switch
            {
                "Contains" when call.Object is not null && a.Count == 1 && a[0].Type == typeof(string) => Expression.Call(Method(nameof(Contains), typeof(string), typeof(string)), call.Object, a[0]),
                "StartsWith" when call.Object is not null && a.Count == 1 && a[0].Type == typeof(string) => Expression.Call(Method(nameof(StartsWith), typeof(string), typeof(string)), call.Object, a[0]),
                "EndsWith" when call.Object is not null && a.Count == 1 && a[0].Type == typeof(string) => Expression.Call(Method(nameof(EndsWith), typeof(string), typeof(string)), call.Object, a[0]),
                "ToUpperInvariant" when call.Object is not null => Expression.Call(Method(nameof(ToUpperInvariant), typeof(string)), call.Object),
                "ToLowerInvariant" when call.Object is not null => Expression.Call(Method(nameof(ToLowerInvariant), typeof(string)), call.Object),
                "Trim" when call.Object is not null && a.Count == 0 => Expression.Call(Method(nameof(Trim), typeof(string)), call.Object),
                "Equals" when call.Object is not null && a.Count == 1 && a[0].Type == typeof(string) => Expression.Call(Method(nameof(StringEquals), typeof(string), typeof(string)), call.Object, a[0]),
                "Equals" when call.Object is null && a.Count == 2 => Expression.Call(Method(nameof(StringEquals), typeof(string), typeof(string)), a[0], a[1]),
                "Compare" or "CompareOrdinal" when call.Object is null && a.Count == 2 => Expression.Call(Method(nameof(CompareOrdinal), typeof(string), typeof(string)), a[0], a[1]),
                "Concat" when call.Object is null && a.All(x => x.Type == typeof(string)) => a.Skip(1).Aggregate(a[0], (acc, next) => Expression.Call(Method(nameof(Concat), typeof(string), typeof(string)), acc, next)),
                _ => call,
            };
        }

        private static bool IsInteger(Type t)
        {
            var u = Nullable.GetUnderlyingType(t) ?? t;
            return u == typeof(int) || u == typeof(long);
        }
    }
}

/// <summary>Thrown inside a decision when its rules have spent the step budget.</summary>
internal sealed class StepBudgetExceededException(long limit)
    : Exception(string.Create(CultureInfo.InvariantCulture, $"the decision exceeded its budget of {limit:N0} steps (sequence elements visited, lambda calls, and {StepBudget.CharsPerStep} characters of string work per step)"))
{
    public long Limit { get; } = limit;
}
