using System.Globalization;
using System.Linq.Expressions;
using System.Text.RegularExpressions;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using NodaTime;
using RulesEngine.ExpressionBuilders;
using RulesEngine.Models;

namespace CreditPolicy.Rules;

/// <summary>An expression parsed, checked and rewritten for one place in a rule: the body to compile, and the body traces read facts from.</summary>
/// <param name="Body">Instrumented: work counted, arithmetic checked, string operations ordinal, calendar calls bound to the rules' tz database.</param>
/// <param name="Readable">As checked, before instrumentation: what traces collect the facts a rule read from.</param>
internal sealed record ParsedExpression(Expression Body, Expression Readable);

/// <summary>Parses rule and check expressions for one vocabulary: bounded in size before parsing, checked against the sandbox, rewritten to be counted, and typed.</summary>
internal sealed partial class RuleExpressions
{
    /// <summary>The longest expression, in characters.</summary>
    public const int MaxLength = 4_096;

    /// <summary>The deepest nesting of parentheses, brackets, prefix operators (<c>!</c>, <c>-</c>) and conditionals (<c>a ? b : c ? d : e</c>) in an expression.</summary>
    public const int MaxNesting = 32;

    /// <summary>The deepest the parsed expression may be, in nodes from its root to its deepest leaf (<c>a &amp;&amp; b &amp;&amp; c</c> is three deep).</summary>
    /// <remarks>
    /// The text bounds leave chains such as <c>1 + 1 + ... + 1</c> (500 operators within <see cref="MaxTokens"/>) that nest as deep
    /// as they are long once parsed, and the expression compiler recurses once per level: a 480-deep chain overflowed a 512 KiB
    /// stack. Checked without recursion before anything recursive runs on the tree.
    /// </remarks>
    public const int MaxTreeDepth = 64;

    /// <summary>The most tokens (names, literals, operators) in an expression.</summary>
    public const int MaxTokens = 1_000;

    /// <summary>Settings shared with the stock RulesEngine path so both parse expressions the same way.</summary>
    /// <remarks>System.Linq.Dynamic.Core calls methods only on types it is told of: the calendar helpers, and the types whose methods rules call (<c>g.Is(status)</c>, <c>c.AvailableOf(kind)</c>, <c>set.Contains(x)</c>).</remarks>
    internal static ReSettings Settings { get; } = new() { CustomTypes = [typeof(Cal), typeof(CaseFacts), typeof(GrantFacts), typeof(StringSet)] };

    private readonly CaseContract _contract;
    private readonly FactsTypes _facts;
    /// <summary>One parsing configuration for every rule set: the types expressions may name are fixed (see <see cref="RuleTypes"/>).</summary>
    private static readonly System.Linq.Dynamic.Core.ParsingConfig ParsingConfig = new()
    {
        CustomTypeProvider = new RuleTypes(Settings.CustomTypes),
        IsCaseSensitive = Settings.IsExpressionCaseSensitive,
        // Not the System namespace's enumerations: no rule may use one (the sandbox refuses them), and finding them
        // scans a dozen framework assemblies when the first expression is parsed, a tenth of a one-case evaluate.
        SupportEnumerationsFromSystemNamespace = false,
    };
    private readonly Dictionary<Type, string> _typeNames;

    public RuleExpressions(CaseContract contract)
    {
        _contract = contract;
        _facts = FactsTypes.For(contract);
        _typeNames = new Dictionary<Type, string> { [_facts.GrantType] = "grant", [_facts.AnyCaseType] = "the case (c)" };
        foreach (var (type, t) in _facts.CaseTypes) _typeNames[t] = $"the case (c) of a '{type}' request";
        foreach (var e in contract.Entities()) _typeNames[e.DataType] = e.Path;
    }

    public CaseContract Contract => _contract;

    public FactsTypes Facts => _facts;

    /// <summary>The <c>c</c> parameter for a phase and request type (null: any request).</summary>
    public ParameterExpression CaseParameter(string? requestType) =>
        Expression.Parameter(requestType is null ? _facts.AnyCaseType : _facts.CaseTypes[requestType], "c");

    /// <summary>The <c>g</c> parameter of grant rules (the grant's facts) or of grant checks (the grant's data).</summary>
    public ParameterExpression GrantParameter(bool check) => Expression.Parameter(check ? _contract.Grant.DataType : _facts.GrantType, "g");

    // String literals (skipped) and number literals with any suffix, outside identifiers and member access.
    [GeneratedRegex("""
        "(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|(?<![\w.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[a-zA-Z]*
        """)]
    private static partial Regex Literals();

    [GeneratedRegex("No property or field '(?<name>[^']+)' exists in type '(?<type>[^']+)'")]
    private static partial Regex NoMember();

    /// <summary>Parses one expression; null (and every problem added) when it cannot be used.</summary>
    /// <param name="field">Where it is written, for messages (<c>Expression</c>, <c>Properties.expiresAt</c>).</param>
    /// <param name="text">The expression as written.</param>
    /// <param name="c">The case parameter.</param>
    /// <param name="g">The grant parameter, if the expression runs per grant.</param>
    /// <param name="phase">Where it runs, which decides the facts it may read.</param>
    /// <param name="expected">The type it must give; <see cref="IComparable"/> for a sort key.</param>
    /// <param name="add">Receives each problem.</param>
    public ParsedExpression? Parse(string field, string text, ParameterExpression c, ParameterExpression? g, ExpressionPhase phase, Type expected, Action<string> add)
    {
        if (Bounds(text) is { } tooBig)
        {
            add($"{field}: {tooBig}");
            return null;
        }

        // Checked on the text: System.Linq.Dynamic.Core silently re-parses a double literal met by a decimal as
        // decimal, but only when its process-wide literal cache holds the text, so the tree may show either type.
        var floats = Literals().Matches(text).Select(m => m.Value)
            .Where(v => char.IsDigit(v[0]) && !v.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && !v.EndsWith('m') && !v.EndsWith('M')
                && (v.Contains('.') || v.IndexOfAny(['e', 'E', 'd', 'D', 'f', 'F']) >= 0))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var f in floats) add($"{field}: '{f}' is a floating-point number; money is decimal in rules too (write {f.TrimEnd('d', 'D', 'f', 'F')}m)");
        if (floats.Count > 0) return null;

        var constants = _contract.Constants.Select(k => (k, Expression.Parameter(k.ClrType, k.Name))).ToArray();
        ParameterExpression[] parameters = [c, .. g is null ? [] : new[] { g }, .. constants.Select(k => k.Item2)];
        Expression body;
        try
        {
            // What RulesEngine's RuleExpressionParser.Parse does, with the shared configuration.
            body = new System.Linq.Dynamic.Core.Parser.ExpressionParser(parameters, text, [], ParsingConfig).Parse(null);
            if (TreeDepth(body) is var depth && depth > MaxTreeDepth)
            {
                add($"{field}: the expression is {depth} operations deep once parsed (a chain such as a && b && c nests one level per operator); at most {MaxTreeDepth} are allowed (split it over several rules, or use a declared set and Contains)");
                return null;
            }
        }
        catch (System.Linq.Dynamic.Core.Exceptions.ParseException ex)
        {
            add($"{field}: {Friendly(ex.Message).TrimEnd('.')} (at character {ex.Position + 1} of \"{text}\")");
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotSupportedException or InvalidCastException or InsufficientExecutionStackException)
        {
            add($"{field}: {Friendly(ex.Message).TrimEnd('.')} (in \"{text}\")");
            return null;
        }

        try
        {
            body = new Substitute(constants.ToDictionary(k => k.Item2, k => (Expression)Expression.Constant(k.Item1.Value, k.Item1.ClrType))).Visit(body)!;
            var violations = ExpressionSandbox.Check(body, _contract, phase, g);
            foreach (var v in violations) add($"{field}: {v}");
            if (violations.Count > 0) return null;

            var typed = Typed(field, text, body, expected, add);
            if (typed is null) return null;

            // Only vetted members remain: now bind calendar calls to the rules' tz database and count the work they do.
            var instrumented = StepBudget.Instrument(new CalBinder(c).Visit(typed)!);
            return new ParsedExpression(instrumented, typed);
        }
        catch (InsufficientExecutionStackException)
        {
            add($"{field}: the expression is nested too deeply to check");
            return null;
        }
    }

    /// <summary>Refuses, before parsing, an expression too long or too deeply nested to parse and check safely.</summary>
    internal static string? Bounds(string text)
    {
        if (text.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the expression has {text.Length:N0} characters; at most {MaxLength:N0} are allowed (split it over several rules)");
        }

        var depth = 0;
        var maxDepth = 0;
        var unary = 0;
        var tokens = 0;
        var afterOperand = false;

        // Conditionals at each open bracket: every '?' at one level nests in the one before it (a ? b : c ? d : e).
        var conditionals = new Stack<int>();
        conditionals.Push(0);
        var openConditionals = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (char.IsWhiteSpace(ch)) continue;
            tokens++;
            if (ch is '"' or '\'')
            {
                for (i++; i < text.Length && text[i] != ch; i++)
                {
                    if (text[i] == '\\') i++;
                }

                afterOperand = true;
                unary = 0;
            }
            else if (char.IsLetterOrDigit(ch) || ch == '_')
            {
                while (i + 1 < text.Length && (char.IsLetterOrDigit(text[i + 1]) || text[i + 1] is '_' or '.'))
                {
                    if (text[i + 1] == '.' && !(i + 2 < text.Length && char.IsDigit(text[i + 2]))) break;
                    i++;
                }

                afterOperand = true;
                unary = 0;
            }
            else if (ch is '(' or '[' or '{')
            {
                depth++;
                conditionals.Push(0);
                afterOperand = false;
            }
            else if (ch is ')' or ']' or '}')
            {
                depth = Math.Max(0, depth - 1);
                if (conditionals.Count > 1) openConditionals -= conditionals.Pop();
                afterOperand = true;
                unary = 0;
            }
            else if (ch == '?' && !(i + 1 < text.Length && text[i + 1] is '?' or '.') && !(i > 0 && text[i - 1] == '?'))
            {
                conditionals.Push(conditionals.Pop() + 1);
                openConditionals++;
                afterOperand = false;
            }
            else if ((ch is '!' && !(i + 1 < text.Length && text[i + 1] == '=')) || (ch is '-' or '+' && !afterOperand))
            {
                unary++;
            }
            else
            {
                afterOperand = false;
            }

            maxDepth = Math.Max(maxDepth, depth + unary + openConditionals);
        }

        if (maxDepth > MaxNesting)
        {
            return $"the expression nests {maxDepth} deep (parentheses, prefix operators such as ! and conditionals ? :); at most {MaxNesting} are allowed";
        }

        if (tokens > MaxTokens)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the expression has {tokens:N0} tokens; at most {MaxTokens:N0} are allowed (split it over several rules)");
        }

        return null;
    }

    /// <summary>The number of nodes from the root to the deepest leaf, found without recursion (the tree may be deeper than the stack allows recursing).</summary>
    internal static int TreeDepth(Expression root)
    {
        var deepest = 0;
        var pending = new Stack<(Expression Node, int Depth)>();
        pending.Push((root, 1));
        var children = new ChildCollector();
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            deepest = Math.Max(deepest, depth);
            foreach (var child in children.Of(node)) pending.Push((child, depth + 1));
        }

        return deepest;
    }

    /// <summary>Lists a node's direct children: the base visitor dispatches on the node's type, and every child it would visit is recorded instead of visited.</summary>
    private sealed class ChildCollector : ExpressionVisitor
    {
        private readonly List<Expression> _found = [];

        public List<Expression> Of(Expression node)
        {
            _found.Clear();

            // An extension node's children are its own business (and the sandbox refuses it): a leaf here.
            if (node.NodeType == ExpressionType.Extension) return _found;
            base.Visit(node);
            return [.. _found];
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is null) return null;
            _found.Add(node);
            return node;
        }
    }

    private Expression? Typed(string field, string text, Expression body, Type expected, Action<string> add)
    {
        if (expected == typeof(IComparable))
        {
            if (typeof(IComparable).IsAssignableFrom(body.Type)) return body;
            add($"{field}: \"{text}\" gives {TypeName(body.Type)}, which cannot be sorted; give a string, number or instant");
            return null;
        }

        if (body.Type == expected) return body;
        if (expected == typeof(decimal) && (body.Type == typeof(int) || body.Type == typeof(long))) return Expression.Convert(body, typeof(decimal));
        if (Nullable.GetUnderlyingType(expected) is { } inner && (body.Type == inner)) return Expression.Convert(body, expected);
        var hint = Nullable.GetUnderlyingType(body.Type) == expected ? " (it may be null: use .Value after checking != null, or ??)" : "";
        add($"{field}: \"{text}\" gives {TypeName(body.Type)}; expected {TypeName(expected)}{hint}");
        return null;
    }

    private string TypeName(Type t) =>
        Nullable.GetUnderlyingType(t) is { } u ? TypeName(u) + "?"
        : t == typeof(bool) ? "a boolean" : t == typeof(decimal) ? "a decimal"
        : _typeNames.TryGetValue(t, out var name) ? name : t.Name;

    /// <summary>Parser messages name the generated types; say which object of the vocabulary it is, and what it does declare.</summary>
    private string Friendly(string message)
    {
        var m = NoMember().Match(message);
        if (!m.Success) return message;
        var name = m.Groups["name"].Value;
        var typeName = m.Groups["type"].Value;
        var (what, members) = Describe(typeName);
        if (what is null) return message;
        var near = members.FirstOrDefault(x => Spelling.IsNear(x, name));
        return near is not null
            ? $"{what} has no member '{name}'; did you mean '{near}'?"
            : $"{what} has no member '{name}'; it has {string.Join(", ", members)} (declare new attributes in {VocabularyLoader.FileName})";
    }

    private (string? What, IReadOnlyList<string> Members) Describe(string typeName)
    {
        string[] grantComputed = ["Expiry", "ExpiryStatus", "NeverExpires", "ExpiryFor(status)", "IsAvailable", "Is(status)"];
        if (_facts.GrantType.Name == typeName || _facts.GrantType.FullName == typeName)
        {
            return ("a grant (g)", _contract.Grant.Attributes.Select(a => a.Member).Concat(grantComputed).ToArray());
        }

        if (_facts.AnyCaseType.Name == typeName || _facts.CaseTypes.Values.Any(t => t.Name == typeName || t.FullName == typeName))
        {
            return ("the case (c)", ["AsOf", "EffectiveFrom", "Account", "Request", "Grants", "Target", "Available", "AvailableOf(kind)"]);
        }

        foreach (var e in _contract.Entities())
        {
            if (e.DataType.Name != typeName && e.DataType.FullName != typeName) continue;
            var members = e.Attributes.Select(a => a.Member).ToList();
            if (e.Role == EntityRole.Request) members.Insert(0, "Type");
            if (e.Role == EntityRole.Nested) members.Add("Present");
            return (e.Role == EntityRole.Grant ? "a grant's data (g)" : e.Path, members);
        }

        if (typeName == nameof(CaseRequest)) return ("c.Request (in a grant rule or a check for every request)", ["Type"]);
        return (null, []);
    }

    private sealed class Substitute(Dictionary<ParameterExpression, Expression> map) : ExpressionVisitor
    {
        public override Expression? Visit(Expression? node)
        {
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            return base.Visit(node);
        }

        protected override Expression VisitParameter(ParameterExpression node) => map.TryGetValue(node, out var value) ? value : node;
    }

    /// <summary>Rewrites <c>Cal</c> calls to run with the case's tz database; constant periods and literals are parsed here, once.</summary>
    private sealed class CalBinder(ParameterExpression c) : ExpressionVisitor
    {
        private static readonly Type Runtime = typeof(CalRuntime);

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            var visited = (MethodCallExpression)base.VisitMethodCall(node);
            if (visited.Method.DeclaringType != typeof(Cal)) return visited;
            var a = visited.Arguments;
            var facts = Expression.Convert(c, typeof(CaseFacts));
            switch (visited.Method.Name)
            {
                case nameof(Cal.PlusInZone) when a[1] is ConstantExpression { Value: string period }:
                    return Expression.Call(Runtime.GetMethod(nameof(CalRuntime.PlusInZone), [typeof(CaseFacts), typeof(Instant), typeof(Period), typeof(string)])!,
                        facts, a[0], Expression.Constant(CalRuntime.ParsePeriod(period)), a[2]);
                case nameof(Cal.PlusInZone):
                    return Expression.Call(Runtime.GetMethod(nameof(CalRuntime.PlusInZone), [typeof(CaseFacts), typeof(Instant), typeof(string), typeof(string)])!,
                        facts, a[0], a[1], a[2]);
                case nameof(Cal.DateInZone):
                    return Expression.Call(Runtime.GetMethod(nameof(CalRuntime.DateInZone), [typeof(CaseFacts), typeof(Instant), typeof(string)])!, facts, a[0], a[1]);
                case nameof(Cal.At) when a[0] is ConstantExpression { Value: string instant }:
                    return Expression.Constant(CalRuntime.ParseInstant(instant));
                case nameof(Cal.Date) when a[0] is ConstantExpression { Value: string date }:
                    return Expression.Constant(CalRuntime.ParseDate(date));
                default:
                    return visited;
            }
        }
    }

    /// <summary>Compiles with FastExpressionCompiler (as RulesEngine does by default), which is several times quicker to
    /// compile than <see cref="LambdaExpression.Compile()"/>, falling back to the latter for a tree it does not support.</summary>
    internal static T Compile<T>(Expression<T> lambda)
        where T : Delegate =>
        FastExpressionCompiler.ExpressionCompiler.CompileFast(lambda, ifFastFailedReturnNull: true) ?? lambda.Compile();

    /// <summary>
    /// The types expressions may name: those RulesEngine's <c>CustomTypeProvider</c> gives (the configured types, its
    /// <c>ExpressionUtils</c>, <see cref="Enumerable"/>, their base types and interfaces, <see cref="System.Collections.IEnumerable"/>),
    /// without also scanning every assembly loaded in the process for <c>[DynamicLinqType]</c>.
    /// </summary>
    /// <remarks>
    /// That scan cost a fifth of the start-up of <c>creditpolicy evaluate</c>, and it made what a rule may name depend on
    /// which assemblies the host process had loaded; the sandbox refuses such types anyway.
    /// </remarks>
    private sealed class RuleTypes : System.Linq.Dynamic.Core.CustomTypeProviders.DefaultDynamicLinqCustomTypeProvider
    {
        private readonly HashSet<Type> _types;

        public RuleTypes(IEnumerable<Type>? configured)
            : base(System.Linq.Dynamic.Core.ParsingConfig.Default)
        {
            _types = [.. configured ?? [], typeof(RulesEngine.HelperFunctions.ExpressionUtils), typeof(Enumerable)];
            var queue = new Queue<Type>(_types);
            while (queue.Count > 0)
            {
                var t = queue.Dequeue();
                if (t.BaseType is { } baseType && _types.Add(baseType)) queue.Enqueue(baseType);
                foreach (var i in t.GetInterfaces())
                {
                    if (_types.Add(i)) queue.Enqueue(i);
                }
            }

            _types.Add(typeof(System.Collections.IEnumerable));
        }

        public override HashSet<Type> GetCustomTypes() => _types;
    }
}
