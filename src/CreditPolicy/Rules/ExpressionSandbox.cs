using System.Linq.Expressions;
using System.Reflection;
using NodaTime;

namespace CreditPolicy.Rules;

/// <summary>Checks a parsed rule expression against the vocabulary rules may use; anything else is rejected at load.</summary>
/// <remarks>
/// System.Linq.Dynamic.Core, as RulesEngine configures it, lets an expression reach far more than the
/// case: <c>"x".GetType().Assembly</c>, <c>DateTime.Now</c>, <c>Enumerable.Range</c>. Rules see only the
/// fact types, <see cref="Cal"/>, and pure members of strings, numbers, instants, dates and sequences.
/// Doubles are rejected too: money is decimal inside rules as well (write <c>12.50m</c>).
/// </remarks>
internal static class ExpressionSandbox
{
    private static readonly HashSet<Type> FactTypes =
        [typeof(CaseFacts), typeof(AccountFacts), typeof(MaintenanceFacts), typeof(RequestFacts), typeof(GrantFacts), typeof(Cal)];

    private static readonly HashSet<Type> ValueTypes =
        [typeof(bool), typeof(int), typeof(long), typeof(decimal), typeof(string), typeof(Instant), typeof(LocalDate),
         typeof(object)];

    private static readonly Dictionary<Type, HashSet<string>> AllowedMembers = new()
    {
        [typeof(string)] = ["Length", "Contains", "StartsWith", "EndsWith", "Equals", "IsNullOrEmpty", "CompareOrdinal",
                            "ToLowerInvariant", "ToUpperInvariant", "Trim", "op_Equality", "op_Inequality", "Concat", "Compare"],
        [typeof(decimal)] = ["op_Addition", "op_Subtraction", "op_Multiply", "op_Division", "op_Modulus", "op_UnaryNegation",
                             "op_Equality", "op_Inequality", "op_LessThan", "op_LessThanOrEqual", "op_GreaterThan",
                             "op_GreaterThanOrEqual", "op_Implicit", "op_Explicit", "Round", "Floor", "Ceiling", "Truncate",
                             "Compare", "CompareTo", "Equals"],
        [typeof(Math)] = ["Min", "Max", "Abs", "Round", "Floor", "Ceiling", "Truncate"],
        [typeof(Instant)] = ["op_Equality", "op_Inequality", "op_LessThan", "op_LessThanOrEqual", "op_GreaterThan",
                             "op_GreaterThanOrEqual", "CompareTo", "Equals"],
        [typeof(LocalDate)] = ["op_Equality", "op_Inequality", "op_LessThan", "op_LessThanOrEqual", "op_GreaterThan",
                               "op_GreaterThanOrEqual", "CompareTo", "Equals", "Year", "Month", "Day"],
        [typeof(Enumerable)] = ["Any", "All", "Where", "Sum", "Count", "Min", "Max", "Select", "Contains", "First",
                                "FirstOrDefault", "Last", "LastOrDefault", "OrderBy", "OrderByDescending", "ThenBy",
                                "ThenByDescending", "Take", "Skip", "Distinct"],
    };

    /// <summary>Returns every violation in the expression, each as a sentence; empty when it is allowed.</summary>
    public static IReadOnlyList<string> Check(Expression expression)
    {
        var visitor = new Visitor();
        visitor.Visit(expression);
        return visitor.Violations;
    }

    private static bool IsAllowedType(Type t)
    {
        var u = Nullable.GetUnderlyingType(t) ?? t;
        if (FactTypes.Contains(u) || ValueTypes.Contains(u)) return true;
        if (u.IsGenericType && u.GetGenericTypeDefinition() is var def &&
            (def == typeof(IEnumerable<>) || def == typeof(IReadOnlyList<>) || def == typeof(IReadOnlyCollection<>)
             || def == typeof(IOrderedEnumerable<>) || def == typeof(Func<,>) || def == typeof(Func<,,>) || def == typeof(List<>)))
        {
            return u.GetGenericArguments().All(IsAllowedType);
        }

        return false;
    }

    private static string Name(Type t) => Nullable.GetUnderlyingType(t) is { } u ? Name(u) + "?" : t.Name;

    private sealed class Visitor : ExpressionVisitor
    {
        public List<string> Violations { get; } = [];

        public override Expression? Visit(Expression? node)
        {
            if (node is null) return null;
            if (node.Type == typeof(double) || node.Type == typeof(float) || node.Type == typeof(double?) || node.Type == typeof(float?))
            {
                Add($"'{node}' is a floating-point number; money is decimal in rules too (write 12.50m)");
                return node;
            }

            switch (node.NodeType)
            {
                case ExpressionType.New:
                case ExpressionType.NewArrayBounds:
                case ExpressionType.MemberInit:
                case ExpressionType.ListInit:
                case ExpressionType.Invoke:
                case ExpressionType.Dynamic:
                case ExpressionType.Extension:
                case ExpressionType.Block:
                case ExpressionType.Loop:
                case ExpressionType.Goto:
                case ExpressionType.Try:
                case ExpressionType.Throw:
                case ExpressionType.Assign:
                case ExpressionType.TypeAs:
                case ExpressionType.TypeIs:
                case ExpressionType.TypeEqual:
                case ExpressionType.Quote:
                    Add($"'{node}' ({node.NodeType}) is not available to rules");
                    return node;
            }

            if (!IsAllowedType(node.Type))
            {
                Add($"'{node}' has type {Name(node.Type)}, which rules may not use");

                // Say why too when the member is what is wrong (the clock, reflection, the evaluator's internals).
                if (node is MemberExpression member) CheckMember(member.Member, node.ToString());
                else if (node is MethodCallExpression call) CheckMember(call.Method, node.ToString());
                return node;
            }

            return base.Visit(node);
        }

        protected override Expression VisitConstant(ConstantExpression node)
        {
            if (node.Value is not null && node.Value is not (bool or int or long or decimal or string or Instant or LocalDate))
            {
                Add($"the constant '{node}' has type {Name(node.Type)}, which rules may not use");
            }

            return node;
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            CheckMember(node.Member, node.ToString());
            return base.VisitMember(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            CheckMember(node.Method, node.ToString());
            if (node.Method.DeclaringType == typeof(Cal))
            {
                CheckCalArguments(node);
            }

            return base.VisitMethodCall(node);
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (node.Method is { } m) CheckMember(m, node.ToString());
            return base.VisitBinary(node);
        }

        protected override Expression VisitUnary(UnaryExpression node)
        {
            if (node.Method is { } m) CheckMember(m, node.ToString());
            return base.VisitUnary(node);
        }

        private void CheckMember(MemberInfo member, string text)
        {
            var declaring = member.DeclaringType;
            if (declaring is null) { Add($"'{text}' is not available to rules"); return; }
            var type = Nullable.GetUnderlyingType(declaring) ?? declaring;
            if (declaring.IsGenericType && declaring.GetGenericTypeDefinition() == typeof(Nullable<>))
            {
                if (member.Name is "Value" or "HasValue" or "GetValueOrDefault") return;
            }

            if (FactTypes.Contains(type))
            {
                // Only what rules are documented to see; the evaluator's internal members would let a rule change state.
                if (IsPublic(member)) return;
                Add($"'{text}': {Name(type)}.{member.Name} is internal to the evaluator, not in the rule vocabulary");
                return;
            }

            if (type == typeof(string) && member is MethodInfo { Name: "Concat" } concat
                && concat.GetParameters().Any(p => p.ParameterType != typeof(string) && p.ParameterType != typeof(object)))
            {
                // a + b is string.Concat(a, b); Concat over a sequence can build a string as large as the case allows, squared.
                Add($"'{text}': String.Concat over a sequence is not in the rule vocabulary (join two strings with +)");
                return;
            }

            if (AllowedMembers.TryGetValue(type, out var names) && names.Contains(member.Name)) return;
            if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
                || type.GetGenericTypeDefinition() == typeof(IReadOnlyCollection<>) || type.GetGenericTypeDefinition() == typeof(List<>))
                && member.Name is "Count" or "get_Item" or "Item")
            {
                return;
            }

            var what = member.Name == "GetType" || type == typeof(Type) || type.Namespace?.StartsWith("System.Reflection", StringComparison.Ordinal) == true
                ? "reflection is not available to rules"
                : type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(SystemClock)
                    ? "the clock is not available to rules: asOf is the only now"
                    : $"{Name(type)}.{member.Name} is not in the rule vocabulary";
            Add($"'{text}': {what}");
        }

        private static bool IsPublic(MemberInfo member) => member switch
        {
            MethodBase m => m.IsPublic,
            PropertyInfo p => p.GetMethod is { IsPublic: true },
            FieldInfo f => f.IsPublic,
            _ => false,
        };

        private void CheckCalArguments(MethodCallExpression node)
        {
            var parameters = node.Method.GetParameters();
            for (var i = 0; i < parameters.Length; i++)
            {
                if (node.Arguments[i] is not ConstantExpression { Value: string text }) continue;
                try
                {
                    if (parameters[i].Name == "isoPeriod") Cal.Period(text);
                    else if (parameters[i].Name == "zoneId") Cal.Zone(text);
                }
                catch (ArgumentException ex)
                {
                    Add($"'{node}': {ex.Message.Split(" (Parameter", 2)[0]}");
                }
            }
        }

        private void Add(string violation)
        {
            if (!Violations.Contains(violation)) Violations.Add(violation);
        }
    }
}
