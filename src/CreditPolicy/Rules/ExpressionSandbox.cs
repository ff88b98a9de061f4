using System.Linq.Expressions;
using System.Reflection;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using NodaTime;

namespace CreditPolicy.Rules;

/// <summary>Where an expression runs, which decides the computed facts it may read.</summary>
/// <remarks>
/// Grant facts are computed in phases (every expiry rule for every grant, then every exclusion rule for every grant), so
/// what a grant rule may read depends on its phase; otherwise a rule could see half-computed facts of other grants, and a
/// decision would depend on the order of grants in the case.
/// </remarks>
internal enum ExpressionPhase
{
    /// <summary>A consistency check of the case contract: the case's data only, nothing the rules compute.</summary>
    Check,
    /// <summary>An expiry rule (condition or <c>expiresAt</c>): no grant's expiry or availability is known yet.</summary>
    Expiry,
    /// <summary>An exclusion rule: every grant's expiry is known; only this grant's own statuses so far.</summary>
    Exclusion,
    /// <summary>A request rule or an effect's expression: every grant fact is complete.</summary>
    Request,
}

/// <summary>Checks a parsed rule expression against the explicit vocabulary rules may use; anything else is rejected at load.</summary>
/// <remarks>
/// <para>System.Linq.Dynamic.Core, as RulesEngine configures it, lets an expression reach far more than the case:
/// <c>"x".GetType().Assembly</c>, <c>DateTime.Now</c>, <c>Enumerable.Range</c>. Rules see an allow-list: the declared
/// attributes of the vocabulary's objects, the documented computed facts, <see cref="Cal"/>, and named pure members of
/// strings, numbers, instants, dates, sets and sequences. Being public in this library does not make a member part of
/// the rule language.</para>
/// <para>Doubles are rejected (money is decimal inside rules as well: write <c>12.50m</c>), as is anything whose result
/// depends on the host: culture-sensitive text (<c>"" + amount</c> formats with the current culture, and names internal
/// types), string ordering by the current culture (comparisons and sorts are made ordinal), and the clock.</para>
/// </remarks>
internal static class ExpressionSandbox
{
    private static readonly HashSet<Type> ValueTypes =
        [typeof(bool), typeof(int), typeof(long), typeof(decimal), typeof(string), typeof(Instant), typeof(LocalDate), typeof(StringSet)];

    private static readonly Dictionary<Type, HashSet<string>> AllowedMembers = new()
    {
        [typeof(string)] = ["Length", "Contains", "StartsWith", "EndsWith", "Equals", "IsNullOrEmpty", "CompareOrdinal", "Compare",
                            "ToLowerInvariant", "ToUpperInvariant", "Trim", "op_Equality", "op_Inequality", "Concat"],
        [typeof(decimal)] = ["op_Addition", "op_Subtraction", "op_Multiply", "op_Division", "op_Modulus", "op_UnaryNegation",
                             "op_Equality", "op_Inequality", "op_LessThan", "op_LessThanOrEqual", "op_GreaterThan",
                             "op_GreaterThanOrEqual", "op_Implicit", "Round", "Floor", "Ceiling", "Truncate",
                             "Compare", "CompareTo", "Equals"],
        [typeof(Math)] = ["Min", "Max", "Abs", "Round", "Floor", "Ceiling", "Truncate"],
        [typeof(Instant)] = ["op_Equality", "op_Inequality", "op_LessThan", "op_LessThanOrEqual", "op_GreaterThan",
                             "op_GreaterThanOrEqual", "CompareTo", "Equals"],
        [typeof(LocalDate)] = ["op_Equality", "op_Inequality", "op_LessThan", "op_LessThanOrEqual", "op_GreaterThan",
                               "op_GreaterThanOrEqual", "CompareTo", "Equals", "Year", "Month", "Day"],
        [typeof(StringSet)] = ["Contains", "Count"],
        [typeof(Enumerable)] = ["Any", "All", "Where", "Sum", "Count", "Min", "Max", "Select", "Contains", "First",
                                "FirstOrDefault", "Last", "LastOrDefault", "OrderBy", "OrderByDescending", "ThenBy",
                                "ThenByDescending", "Take", "Skip", "Distinct"],
        [typeof(Cal)] = ["PlusInZone", "DateInZone", "Earliest", "Latest", "At", "Date"],
    };

    /// <summary>Members of <c>c</c> and what they need: <c>null</c> for the case's data; a phase for computed facts.</summary>
    private static readonly Dictionary<string, ExpressionPhase> CaseMembers = new(StringComparer.Ordinal)
    {
        ["AsOf"] = ExpressionPhase.Check,
        ["EffectiveFrom"] = ExpressionPhase.Check,
        ["Account"] = ExpressionPhase.Check,
        ["Request"] = ExpressionPhase.Check,
        ["Grants"] = ExpressionPhase.Check,
        ["Target"] = ExpressionPhase.Check,
        ["Available"] = ExpressionPhase.Request,
        ["AvailableOf"] = ExpressionPhase.Request,
    };

    /// <summary>Computed members of a grant and the phase from which they may be read of any grant.</summary>
    private static readonly Dictionary<string, ExpressionPhase> GrantComputed = new(StringComparer.Ordinal)
    {
        ["Expiry"] = ExpressionPhase.Exclusion,
        ["ExpiryStatus"] = ExpressionPhase.Exclusion,
        ["NeverExpires"] = ExpressionPhase.Exclusion,
        ["ExpiryFor"] = ExpressionPhase.Exclusion,
        ["IsAvailable"] = ExpressionPhase.Request,
        ["Is"] = ExpressionPhase.Request,
    };

    /// <summary>Returns every violation in the expression, each as a sentence; empty when it is allowed.</summary>
    /// <param name="expression">The parsed expression, constants substituted.</param>
    /// <param name="contract">The vocabulary whose types the expression reads.</param>
    /// <param name="phase">Where it runs.</param>
    /// <param name="grant">The <c>g</c> parameter, when there is one: an exclusion rule may read its own statuses.</param>
    public static IReadOnlyList<string> Check(Expression expression, CaseContract contract, ExpressionPhase phase, ParameterExpression? grant)
    {
        var visitor = new Visitor(contract, phase, grant);
        visitor.Visit(expression);
        return visitor.Violations;
    }

    private static string Name(Type t) =>
        Nullable.GetUnderlyingType(t) is { } u ? Name(u) + "?"
        : typeof(CaseFacts).IsAssignableFrom(t) ? "the case (c)"
        : typeof(GrantFacts).IsAssignableFrom(t) ? "a grant"
        : typeof(CaseObject).IsAssignableFrom(t) && t.IsSealed ? "an object of the case"
        : t.IsGenericType ? t.Name[..t.Name.IndexOf('`')] + "<" + string.Join(", ", t.GetGenericArguments().Select(Name)) + ">"
        : t.Name;

    private sealed class Visitor(CaseContract contract, ExpressionPhase phase, ParameterExpression? grant) : ExpressionVisitor
    {
        private readonly HashSet<Type> _vocabularyTypes = VocabularyTypes(contract);

        public List<string> Violations { get; } = [];

        private static HashSet<Type> VocabularyTypes(CaseContract contract)
        {
            var facts = FactsTypes.For(contract);
            var types = new HashSet<Type>(contract.Entities().Select(e => e.DataType)) { facts.GrantType, facts.AnyCaseType };
            foreach (var t in facts.CaseTypes.Values) types.Add(t);
            return types;
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is null) return null;
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            if (node.Type == typeof(double) || node.Type == typeof(float) || node.Type == typeof(double?) || node.Type == typeof(float?))
            {
                Add($"'{node}' is a floating-point number; money is decimal in rules too (write 12.50m)");
                return node;
            }

            switch (node.NodeType)
            {
                case ExpressionType.New:
                case ExpressionType.NewArrayBounds:
                case ExpressionType.NewArrayInit:
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
                case ExpressionType.Power:
                case ExpressionType.Index:
                    Add($"'{node}' ({node.NodeType}) is not available to rules");
                    return node;
            }

            if (node is ConstantExpression { Value: null }) return node;
            if (!IsAllowedType(node.Type))
            {
                // Say why the member is wrong when that is the cause (the clock, reflection, the evaluator's internals).
                if (node is MemberExpression member && Explain(member.Member) is { } why) Add($"'{node}': {why}");
                else if (node is MethodCallExpression call && Explain(call.Method) is { } why2) Add($"'{node}': {why2}");
                else Add($"'{node}' has type {Name(node.Type)}, which rules may not use");
                return node;
            }

            return base.Visit(node);
        }

        private bool IsAllowedType(Type t)
        {
            var u = Nullable.GetUnderlyingType(t) ?? t;
            if (ValueTypes.Contains(u) || _vocabularyTypes.Contains(u) || u == typeof(CaseRequest)) return true;
            if (u.IsArray) return IsAllowedType(u.GetElementType()!);
            if (u.IsGenericType && u.GetGenericTypeDefinition() is var def &&
                (def == typeof(IEnumerable<>) || def == typeof(IReadOnlyList<>) || def == typeof(IReadOnlyCollection<>)
                 || def == typeof(IOrderedEnumerable<>) || def == typeof(Func<,>) || def == typeof(Func<,,>)))
            {
                return u.GetGenericArguments().All(IsAllowedType);
            }

            return false;
        }

        protected override Expression VisitConstant(ConstantExpression node)
        {
            if (node.Value is not null && node.Value is not (bool or int or long or decimal or string or Instant or LocalDate or StringSet))
            {
                Add($"the constant '{node}' has type {Name(node.Type)}, which rules may not use");
            }

            return node;
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            CheckMember(node.Member, node.ToString(), node.Expression);
            return base.VisitMember(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            CheckMember(node.Method, node.ToString(), node.Object);
            if (node.Method.DeclaringType == typeof(Cal)) CheckCalArguments(node);
            if (node.Method.DeclaringType == typeof(Enumerable) && node.Method.Name is "Min" or "Max" && node.Type == typeof(string))
            {
                Add($"'{node}': the least or greatest string depends on a collation; compare strings with == or string.CompareOrdinal");
            }

            // string.Compare(a, b, ignoreCase) and string.Compare(a, i, b, j, n) compare by the host culture's collation; only
            // the two-argument forms are rewritten to compare ordinally (and paid for), see StepBudget.
            if (node.Method.DeclaringType == typeof(string) && node.Method.Name is "Compare" or "CompareOrdinal" && node.Arguments.Count != 2)
            {
                Add($"'{node}': only string.Compare(a, b) and string.CompareOrdinal(a, b) are available to rules, and both compare ordinally; the other forms depend on the host's culture or compare parts of strings");
            }

            if (node.Method.DeclaringType == typeof(string) && node.Method.Name == "Concat" && node.Method.GetParameters().Any(p => p.ParameterType != typeof(string)))
            {
                Add($"'{node}': joining a string with a value that is not a string formats it with the host's culture (and names internal types); rules compare values, not their text");
            }

            return base.VisitMethodCall(node);
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (node.Method is { } m) CheckMember(m, node.ToString(), null);
            if (node.NodeType is ExpressionType.Equal or ExpressionType.NotEqual) CheckEnumLiteral(node.Left, node.Right);
            return base.VisitBinary(node);
        }

        protected override Expression VisitUnary(UnaryExpression node)
        {
            if (node.Method is { } m) CheckMember(m, node.ToString(), null);
            return base.VisitUnary(node);
        }

        private void CheckMember(MemberInfo member, string text, Expression? target)
        {
            var declaring = member.DeclaringType;
            if (declaring is null)
            {
                Add($"'{text}' is not available to rules");
                return;
            }

            if (declaring.IsGenericType && declaring.GetGenericTypeDefinition() == typeof(Nullable<>))
            {
                if (member.Name is "Value" or "HasValue" or "GetValueOrDefault") return;
            }

            if (member is FieldInfo && (_vocabularyTypes.Contains(declaring) || typeof(CaseObject).IsAssignableFrom(declaring)))
            {
                Add($"'{text}': read attributes by their names (such as BillingCountry), not their storage");
                return;
            }

            if (typeof(CaseFacts).IsAssignableFrom(declaring))
            {
                if (!CaseMembers.TryGetValue(member.Name, out var needs) || !IsPublic(member))
                {
                    Add($"'{text}': c.{member.Name} is not in the rule vocabulary; c has AsOf, EffectiveFrom, Account, Request, Grants, Target, Available and AvailableOf(kind)");
                }
                else if (needs > phase)
                {
                    Add($"'{text}': c.{member.Name} sums the grants' availability, which is known only to request rules and effects; {PhaseName()} may not read it");
                }

                return;
            }

            if (typeof(GrantFacts).IsAssignableFrom(declaring))
            {
                if (member.Name is "Id" or "Kind" or "Remaining" || (declaring == FactsTypes.For(contract).GrantType && member is PropertyInfo)) return;
                if (!GrantComputed.TryGetValue(member.Name, out var needs) || !IsPublic(member))
                {
                    Add($"'{text}': {member.Name} is not in the rule vocabulary of a grant");
                    return;
                }

                var own = target is ParameterExpression p && p == grant;
                if (phase == ExpressionPhase.Check)
                {
                    Add($"'{text}': checks see the case's data only; {member.Name} is computed by the rules");
                }
                else if (phase == ExpressionPhase.Expiry && needs >= ExpressionPhase.Exclusion)
                {
                    Add($"'{text}': expiry rules run before any expiry or availability is known; they may not read {member.Name}");
                }
                else if (phase == ExpressionPhase.Exclusion && needs == ExpressionPhase.Request && !own)
                {
                    Add($"'{text}': exclusion rules run grant by grant, so another grant's {member.Name} may not be known yet; only g's own may be read (and a decision must not depend on the order of grants)");
                }

                return;
            }

            if (typeof(CaseObject).IsAssignableFrom(declaring))
            {
                if (member is PropertyInfo && _vocabularyTypes.Contains(declaring)) return; // a declared attribute
                switch (member.Name)
                {
                    case "Id" when declaring == typeof(CaseAccount) || declaring == typeof(CaseGrant):
                    case "Kind" or "Remaining" when declaring == typeof(CaseGrant):
                    case "Type" when declaring == typeof(CaseRequest):
                        return;
                    case "Present" when target is not null && IsNested(target.Type):
                        return;
                }

                Add($"'{text}': {member.Name} is not an attribute the vocabulary declares here");
                return;
            }

            var type = Nullable.GetUnderlyingType(declaring) ?? declaring;
            if (AllowedMembers.TryGetValue(type, out var names) && names.Contains(member.Name)) return;
            if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
                || type.GetGenericTypeDefinition() == typeof(IReadOnlyCollection<>))
                && member.Name is "Count" or "get_Item" or "Item")
            {
                return;
            }

            Add($"'{text}': {Explain(member) ?? $"{Name(type)}.{member.Name} is not in the rule vocabulary"}");
        }

        private bool IsNested(Type t) => contract.Entities().Any(e => e.Role == EntityRole.Nested && e.DataType == t);

        private static string? Explain(MemberInfo member)
        {
            var type = member.DeclaringType;
            if (member.Name == "GetType" || type == typeof(Type) || type?.Namespace?.StartsWith("System.Reflection", StringComparison.Ordinal) == true)
            {
                return "reflection is not available to rules";
            }

            if (type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(SystemClock) || type == typeof(TimeProvider))
            {
                return "the clock is not available to rules: asOf is the only now";
            }

            if (member.Name == "ToString") return "formatting a value as text depends on the host's culture; rules compare values, not their text";
            return null;
        }

        private string PhaseName() => phase switch
        {
            ExpressionPhase.Check => "a check",
            ExpressionPhase.Expiry => "an expiry rule",
            ExpressionPhase.Exclusion => "an exclusion rule",
            _ => "this expression",
        };

        private static bool IsPublic(MemberInfo member) => member switch
        {
            MethodBase m => m.IsPublic,
            PropertyInfo p => p.GetMethod is { IsPublic: true },
            FieldInfo f => f.IsPublic,
            _ => false,
        };

        /// <summary>A misspelt literal compared with an enum attribute (<c>g.Kind == "promotinal"</c>) would silently never match: refuse it.</summary>
        private void CheckEnumLiteral(Expression left, Expression right)
        {
            foreach (var (member, literal) in new[] { (left, right), (right, left) })
            {
                if (Strip(literal) is not ConstantExpression { Value: string text } || Strip(member) is not MemberExpression m) continue;
                var values = AllowedValues(m);
                if (values is null || values.Contains(text, StringComparer.Ordinal)) continue;
                var near = values.FirstOrDefault(v => Spelling.IsNear(v, text));
                Add($"'{m} == \"{text}\"': \"{text}\" is not one of the values declared for it ({string.Join(", ", values)}), so it could never match" + (near is null ? "" : $"; did you mean \"{near}\"?"));
            }
        }

        private IReadOnlyList<string>? AllowedValues(MemberExpression m)
        {
            if (m.Member.Name == "Kind" && (typeof(GrantFacts).IsAssignableFrom(m.Member.DeclaringType!) || m.Member.DeclaringType == typeof(CaseGrant)))
            {
                return contract.Kinds.Select(k => k.Name).ToArray();
            }

            if (m.Member.Name == "Type" && m.Member.DeclaringType == typeof(CaseRequest)) return contract.RequestTypes;
            foreach (var entity in contract.Entities())
            {
                if (entity.DataType != m.Member.DeclaringType && !(entity.Role == EntityRole.Grant && m.Member.DeclaringType == FactsTypes.For(contract).GrantType)) continue;
                var attribute = entity.Attributes.FirstOrDefault(a => a.Member == m.Member.Name);
                if (attribute is { Kind: AttributeKind.Enum or AttributeKind.Kind, Values: { } values }) return values;
            }

            return null;
        }

        private static Expression Strip(Expression e) => e is UnaryExpression { NodeType: ExpressionType.Convert } u ? Strip(u.Operand) : e;

        private void CheckCalArguments(MethodCallExpression node)
        {
            var parameters = node.Method.GetParameters();
            for (var i = 0; i < parameters.Length; i++)
            {
                var constant = node.Arguments[i] as ConstantExpression;
                if (node.Method.Name is "At" or "Date" && constant is null)
                {
                    Add($"'{node}': Cal.{node.Method.Name} takes constant text, checked when the rules load; for a value from the case, declare the attribute with type instant or date");
                    continue;
                }

                if (constant is not { Value: string text }) continue;
                try
                {
                    switch (parameters[i].Name)
                    {
                        case "isoPeriod": CalRuntime.ParsePeriod(text); break;
                        case "zoneId": CalRuntime.Zone(contract.TimeZones, text); break;
                        case "isoInstant": CalRuntime.ParseInstant(text); break;
                        case "isoDate": CalRuntime.ParseDate(text); break;
                    }
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
