using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CreditPolicy.Model;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Text;
using RulesEngine.ExpressionBuilders;
using RulesEngine.Models;
using static CreditPolicy.Rules.RuleConventions;

namespace CreditPolicy.Rules;

/// <summary>Reads a rule directory, checks every file, workflow and rule, and compiles every expression up front.</summary>
/// <remarks>
/// RulesEngine compiles lazily and reports a broken expression as an ordinary <c>false</c> when it first
/// runs. Here every expression is parsed with RulesEngine's own <see cref="RuleExpressionParser"/> when the
/// set loads, checked against <see cref="ExpressionSandbox"/>, and compiled; any failure anywhere stops
/// the whole set from loading.
/// </remarks>
internal static partial class RuleSetLoader
{
    private static readonly string[] WorkflowFields = ["$schema", "WorkflowName", "Rules", "Description"];

    private static readonly string[] RuleFields = ["RuleName", "Expression", "SuccessEvent", "Properties", "Enabled", "RuleExpressionType"];

    private static readonly string[] UnsupportedRuleFields = ["Operator", "Rules", "WorkflowsToInject", "LocalParams", "Actions", "ErrorMessage"];

    private static readonly string[] UnsupportedWorkflowFields = ["WorkflowsToInject", "WorkflowRulesToInject", "GlobalParams", "RuleExpressionType"];

    private static readonly string[] PropertyNames =
        [Clause, Scope, Effect, AppliesTo, Status, ExpiresAt, Produces, DrawOrder, Forfeit, Amount, ChargeOn, ExplainExclusions, Description];

    private static readonly string[] TermsFields = ["$schema", "termsVersion", "effectiveFrom", "title", "description"];

    /// <summary>Settings shared with the stock RulesEngine path so both parse expressions the same way.</summary>
    internal static ReSettings Settings { get; } = new()
    {
        CustomTypes = [typeof(Cal), typeof(CaseFacts), typeof(AccountFacts), typeof(MaintenanceFacts), typeof(RequestFacts), typeof(GrantFacts)],
    };

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    // String literals (skipped) and number literals with any suffix, outside identifiers and member access.
    [GeneratedRegex("""
        "(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|(?<![\w.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[a-zA-Z]*
        """)]
    private static partial Regex Literals();

    public static RuleSet Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return Load(directory, RuleDirectorySnapshot.Read(directory));
    }

    /// <summary>Loads one version from a snapshot of its folder, so what is compiled and digested is exactly what was read.</summary>
    /// <remarks>Every entry the snapshot refused (a FIFO, a file over the size limit, a link leaving the directory) is a problem: the set does not load.</remarks>
    internal static RuleSet Load(string directory, RuleDirectorySnapshot tree)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(tree);
        var full = tree.Directory;
        if (tree.Missing is { } missing)
        {
            throw new RuleSetLoadException(directory, [new RuleProblem(directory, null, null, missing)]);
        }

        if (tree.HasFolder(VersionsFolder))
        {
            throw new RuleSetLoadException(directory, [new RuleProblem(VersionsFolder, null, null,
                $"the directory holds several versions of the terms under {VersionsFolder}/; load it as a catalogue (RuleCatalogue.Load), or load one version's folder")]);
        }

        var problems = new List<RuleProblem>(tree.Problems);
        var files = tree.FilesIn("").ToList();
        if (!files.Contains(TermsFile, StringComparer.Ordinal) && !problems.Any(p => p.File == TermsFile))
        {
            problems.Add(new RuleProblem(TermsFile, null, null, "missing: every rule directory has a terms.json naming its termsVersion"));
        }

        var contents = files.ToDictionary(f => f, tree.Bytes, StringComparer.Ordinal);
        var (termsVersion, effectiveFrom) = files.Contains(TermsFile, StringComparer.Ordinal) ? ReadTerms(contents[TermsFile], problems) : (null, null);

        var parser = new RuleExpressionParser(Settings);
        var compiled = new List<CompiledRule>();
        var workflowNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var ruleNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files.Where(f => f != TermsFile))
        {
            var fileProblems = new FileContext(file, problems);
            var workflow = ParseWorkflow(file, contents[file], fileProblems, workflowNames);
            if (workflow is null) continue;
            var before = fileProblems.Count;
            foreach (var rule in workflow.Rules)
            {
                if (CompileRule(rule, workflow.Name, fileProblems, parser, ruleNames) is { } r) compiled.Add(r);
            }

            // RulesEngine's validator repeats what was already reported; ask it only about workflows we accept.
            if (fileProblems.Count == before) ValidateWithRulesEngine(workflow, fileProblems);
        }

        CheckProducers(compiled, problems);
        if (compiled.Count == 0 && problems.Count == 0)
        {
            problems.Add(new RuleProblem(directory, null, null, "no rule files: the directory holds terms.json but no workflow"));
        }

        if (problems.Count > 0) throw new RuleSetLoadException(directory, problems);
        var identity = new RuleSetIdentity(termsVersion!, Digest(files, contents));
        return new RuleSet(full, identity, effectiveFrom, files, compiled);
    }

    /// <summary>sha256 over each file's relative path and bytes, in ordinal path order.</summary>
    internal static string Digest(IReadOnlyList<string> files, IReadOnlyDictionary<string, byte[]> contents)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(f));
            sha.AppendData([0]);
            sha.AppendData(contents[f]);
            sha.AppendData([0]);
        }

        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static (string? Version, Instant? EffectiveFrom) ReadTerms(byte[] bytes, List<RuleProblem> problems)
    {
        if (Parse(TermsFile, bytes, problems) is not JObject o)
        {
            return (null, null);
        }

        foreach (var p in o.Properties().Where(p => !TermsFields.Contains(p.Name)))
        {
            problems.Add(new RuleProblem(TermsFile, null, null, $"unknown field '{p.Name}'; expected one of {string.Join(", ", TermsFields.Skip(1))}", Line(p)));
        }

        Instant? effectiveFrom = null;
        if (o["effectiveFrom"] is { Type: not JTokenType.Null } from)
        {
            var parsed = from.Type == JTokenType.String ? OffsetDateTimePattern.ExtendedIso.Parse((string)from!) : null;
            if (parsed is { Success: true }) effectiveFrom = parsed.Value.ToInstant();
            else problems.Add(new RuleProblem(TermsFile, null, null, $"effectiveFrom: expected an ISO-8601 instant with offset such as \"2026-11-24T00:00:00Z\", got {from.ToString(Formatting.None)}", Line(from)));
        }

        if (o["termsVersion"] is JValue { Type: JTokenType.String } v && ((string)v!).Trim().Length > 0) return ((string)v!, effectiveFrom);
        problems.Add(new RuleProblem(TermsFile, null, null, "termsVersion: required, a non-empty string such as \"2026-11-24\"", Line(o)));
        return (null, effectiveFrom);
    }

    private static JToken? Parse(string file, byte[] bytes, List<RuleProblem> problems)
    {
        try
        {
            using var reader = new JsonTextReader(new StreamReader(new MemoryStream(bytes), Encoding.UTF8))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Decimal,
                MaxDepth = 64,
            };
            var token = JToken.ReadFrom(reader, new JsonLoadSettings
            {
                LineInfoHandling = LineInfoHandling.Load,
                DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
                CommentHandling = CommentHandling.Ignore,
            });
            if (reader.Read()) problems.Add(new RuleProblem(file, null, null, "unexpected content after the JSON document", reader.LineNumber));
            return token;
        }
        catch (JsonReaderException ex)
        {
            problems.Add(new RuleProblem(file, null, null, $"not valid JSON: {ex.Message}", Math.Max(1, ex.LineNumber)));
            return null;
        }
    }

    private sealed record ParsedWorkflow(string Name, JObject Token, IReadOnlyList<JObject> Rules);

    private sealed class FileContext(string file, List<RuleProblem> problems)
    {
        public string File { get; } = file;

        public int Count => problems.Count;

        public void Add(string? workflow, string? rule, string message, JToken? at, int? line = null) =>
            problems.Add(new RuleProblem(File, workflow, rule, message, at is null ? line : Line(at)));
    }

    private static ParsedWorkflow? ParseWorkflow(string file, byte[] bytes, FileContext ctx, Dictionary<string, string> workflowNames)
    {
        var before = ctx.Count;
        var parseProblems = new List<RuleProblem>();
        var token = Parse(file, bytes, parseProblems);
        foreach (var p in parseProblems) ctx.Add(null, null, p.Message, null, p.Line);
        if (token is null) return null;

        if (token is not JObject o)
        {
            ctx.Add(null, null, token is JArray
                ? "expected one workflow object per file (with WorkflowName and Rules), got an array"
                : "expected a workflow object with WorkflowName and Rules", token);
            return null;
        }

        var name = o["WorkflowName"] is JValue { Type: JTokenType.String } n && ((string)n!).Length > 0 ? (string)n! : null;
        if (name is null) ctx.Add(null, null, "WorkflowName: required, a non-empty string", o);
        UnknownFields(o, WorkflowFields, UnsupportedWorkflowFields, "workflow", (m, at) => ctx.Add(name, null, m, at));
        if (name is not null && !workflowNames.TryAdd(name, file))
        {
            ctx.Add(name, null, $"WorkflowName '{name}' is also used in {workflowNames[name]}", o["WorkflowName"]);
        }

        if (o["Rules"] is not JArray rules || rules.Count == 0)
        {
            ctx.Add(name, null, "Rules: required, a non-empty array of rules", o["Rules"] ?? o);
            return null;
        }

        var ruleObjects = new List<JObject>();
        foreach (var r in rules)
        {
            if (r is JObject ro) ruleObjects.Add(ro);
            else ctx.Add(name, null, "each entry of Rules must be a rule object", r);
        }

        return ctx.Count == before && name is not null ? new ParsedWorkflow(name, o, ruleObjects) : null;
    }

    private static void UnknownFields(JObject o, string[] known, string[] unsupported, string what, Action<string, JToken> add)
    {
        foreach (var p in o.Properties())
        {
            if (known.Contains(p.Name, StringComparer.Ordinal)) continue;
            if (unsupported.Contains(p.Name, StringComparer.Ordinal))
            {
                add($"{p.Name} is a RulesEngine {what} field that CreditPolicy does not support; express it in the rule's Expression and Properties", p);
                continue;
            }

            var near = known.Concat(unsupported).FirstOrDefault(k => Spelling.IsNear(k, p.Name));
            add(near is null
                ? $"unknown {what} field '{p.Name}' (RulesEngine would silently ignore it); expected one of {string.Join(", ", known.Where(k => k != "$schema"))}"
                : $"unknown {what} field '{p.Name}'; did you mean '{near}'? (RulesEngine would silently ignore it)", p);
        }
    }

    private static CompiledRule? CompileRule(JObject r, string workflow, FileContext ctx, RuleExpressionParser parser, Dictionary<string, string> ruleNames)
    {
        var before = ctx.Count;
        var name = r["RuleName"] is JValue { Type: JTokenType.String } n && ((string)n!).Length > 0 ? (string)n! : null;
        void Add(string message, JToken? at) => ctx.Add(workflow, name, message, at ?? r);

        if (name is null) Add("RuleName: required, a stable kebab-case name such as \"refund-denied\"", r);
        else if (!KebabCase().IsMatch(name)) Add($"RuleName '{name}' is not kebab-case (lower-case words joined by '-')", r["RuleName"]);
        else if (!ruleNames.TryAdd(name, ctx.File)) Add($"RuleName '{name}' is also used in {ruleNames[name]}; rule names are unique across the rule set", r["RuleName"]);
        UnknownFields(r, RuleFields, UnsupportedRuleFields, "rule", Add);

        var expression = String(r, "Expression", Add, required: true);
        var message = String(r, "SuccessEvent", Add, required: true, what: "the message a decision cites when the rule fires");
        var enabled = r["Enabled"] is null || r["Enabled"] is JValue { Type: JTokenType.Boolean } e && (bool)e!;
        if (r["Enabled"] is { } en && en.Type != JTokenType.Boolean) Add("Enabled: expected true or false", en);
        if (r["RuleExpressionType"] is { } ret && !(ret.Type == JTokenType.String && (string)ret! == "LambdaExpression"))
        {
            Add("RuleExpressionType: only \"LambdaExpression\" is supported", ret);
        }

        if (r["Properties"] is not JObject props)
        {
            Add("Properties: required, with at least clause, scope and effect", r["Properties"] ?? r);
            return null;
        }

        foreach (var p in props.Properties().Where(p => !PropertyNames.Contains(p.Name, StringComparer.Ordinal)))
        {
            var near = PropertyNames.FirstOrDefault(k => Spelling.IsNear(k, p.Name));
            Add(near is null
                ? $"Properties: unknown property '{p.Name}'; expected one of {string.Join(", ", PropertyNames)}"
                : $"Properties: unknown property '{p.Name}'; did you mean '{near}'?", p);
        }

        var clause = String(props, Clause, Add, required: true, what: "the clause of the terms the rule enforces", prefix: "Properties.");
        var scope = OneOf(props, Scope, [Scopes.Grant, Scopes.Request], Add, required: true);
        var effects = scope == Scopes.Grant ? new[] { Effects.Expiry, Effects.Exclude } : [Effects.Deny, Effects.Permit, Effects.Note];
        var effect = OneOf(props, Effect, effects, Add, required: true);
        var appliesTo = Array.Empty<string>();
        if (scope == Scopes.Request)
        {
            if (props[AppliesTo] is JArray arr && arr.Count > 0 && arr.All(t => t.Type == JTokenType.String))
            {
                appliesTo = arr.Select(t => (string)t!).ToArray();
                foreach (var bad in appliesTo.Where(t => !RequestTypes.All.Contains(t)))
                {
                    Add($"Properties.appliesTo: unknown request type '{bad}'; expected some of {string.Join(", ", RequestTypes.All)}", props[AppliesTo]);
                }
            }
            else
            {
                Add($"Properties.appliesTo: required for request rules, a non-empty array of request types ({string.Join(", ", RequestTypes.All)})", props[AppliesTo]);
            }
        }
        else if (props[AppliesTo] is not null)
        {
            Add("Properties.appliesTo: grant rules run for every request; narrow them in the Expression with c.Request.Type", props[AppliesTo]);
        }

        var status = String(props, Status, Add, required: effect == Effects.Exclude, what: "the status the rule gives a grant", prefix: "Properties.");
        if (effect == Effects.Expiry) status ??= "expired";
        var produces = effect == Effects.Permit ? OneOf(props, Produces, Products.All, Add, required: false) : null;
        if (effect != Effects.Permit && props[Produces] is not null) Add("Properties.produces: only permit rules produce effects", props[Produces]);
        var explain = props[ExplainExclusions] is JValue { Type: JTokenType.Boolean } x && (bool)x!;
        if (props[ExplainExclusions] is { } xe && (xe.Type != JTokenType.Boolean || effect != Effects.Deny))
        {
            Add("Properties.explainExclusions: a boolean, on deny rules only", xe);
        }

        Allow(props, ExpiresAt, effect == Effects.Expiry, Add, "expiry rules");
        Allow(props, DrawOrder, produces == Products.Allocations, Add, "rules that produce allocations");
        Allow(props, Forfeit, produces == Products.Forfeitures, Add, "rules that produce forfeitures");
        Allow(props, Amount, produces == Products.Reload, Add, "rules that produce a reload");
        Allow(props, ChargeOn, produces == Products.Reload, Add, "rules that produce a reload");
        if (ctx.Count > before || expression is null || scope is null || effect is null || clause is null || name is null)
        {
            return null;
        }

        var c = Expression.Parameter(typeof(CaseFacts), "c");
        var g = Expression.Parameter(typeof(GrantFacts), "g");
        var grantScope = scope == Scopes.Grant;
        ParameterExpression[] conditionParams = grantScope ? [c, g] : [c];
        var condition = CompileExpression(parser, "Expression", expression, conditionParams, typeof(bool), Add, r["Expression"]);
        var probed = new List<Expression?>();
        Expression? Probed(Expression? body)
        {
            probed.Add(body);
            return body;
        }

        Func<CaseFacts, GrantFacts, Instant>? expiresAt = null;
        string? expiresAtText = null;
        if (effect == Effects.Expiry)
        {
            var text = expiresAtText = String(props, ExpiresAt, Add, required: true, what: "an expression giving the expiry Instant", prefix: "Properties.");
            if (text is not null) expiresAt = Lambda<Func<CaseFacts, GrantFacts, Instant>>(Probed(CompileExpression(parser, "Properties.expiresAt", text, [c, g], typeof(Instant), Add, props[ExpiresAt])), c, g);
        }

        Func<CaseFacts, GrantFacts, decimal>? forfeit = null;
        Func<CaseFacts, decimal>? amount = null;
        Func<CaseFacts, LocalDate>? chargeOn = null;
        var drawOrder = new List<Func<CaseFacts, GrantFacts, object>>();
        switch (produces)
        {
            case Products.Allocations:
                if (props[DrawOrder] is JArray keys && keys.Count > 0 && keys.All(k => k.Type == JTokenType.String))
                {
                    foreach (var key in keys)
                    {
                        var body = CompileExpression(parser, "Properties.drawOrder", (string)key!, [c, g], typeof(IComparable), Add, key);
                        if (body is not null) drawOrder.Add(Compile(Expression.Lambda<Func<CaseFacts, GrantFacts, object>>(Expression.Convert(body, typeof(object)), c, g)));
                    }
                }
                else
                {
                    Add("Properties.drawOrder: required, a non-empty array of sort-key expressions over g, most significant first", props[DrawOrder]);
                }

                break;
            case Products.Forfeitures:
                if (String(props, Forfeit, Add, required: true, what: "an expression over g giving the amount forfeited", prefix: "Properties.") is { } f)
                {
                    forfeit = Lambda<Func<CaseFacts, GrantFacts, decimal>>(CompileExpression(parser, "Properties.forfeit", f, [c, g], typeof(decimal), Add, props[Forfeit]), c, g);
                }

                break;
            case Products.Reload:
                if (String(props, Amount, Add, required: true, what: "an expression giving the reload amount", prefix: "Properties.") is { } a)
                {
                    amount = Lambda<Func<CaseFacts, decimal>>(Probed(CompileExpression(parser, "Properties.amount", a, [c], typeof(decimal), Add, props[Amount])), c);
                }

                if (String(props, ChargeOn, Add, required: true, what: "an expression giving the LocalDate of the charge", prefix: "Properties.") is { } d)
                {
                    chargeOn = Lambda<Func<CaseFacts, LocalDate>>(Probed(CompileExpression(parser, "Properties.chargeOn", d, [c], typeof(LocalDate), Add, props[ChargeOn])), c);
                }

                break;
        }

        if (ctx.Count > before || condition is null) return null;
        var unconditional = condition is ConstantExpression { Value: true };
        var info = new RuleInfo(name, clause, workflow, ctx.File, scope, effect, appliesTo, expression, message!, enabled, unconditional);
        return new CompiledRule
        {
            Info = info,
            Status = status,
            Produces = produces,
            ExplainExclusions = explain,
            GrantCondition = grantScope ? Lambda<Func<CaseFacts, GrantFacts, bool>>(condition, c, g) : null,
            RequestCondition = grantScope ? null : Lambda<Func<CaseFacts, bool>>(condition, c),
            ExpiresAt = expiresAt,
            ExpiresAtText = expiresAtText,
            Forfeit = forfeit,
            DrawOrder = drawOrder,
            Amount = amount,
            ChargeOn = chargeOn,
            Probes = RuleProbes.Collect(condition, probed, c, g),
        };
    }

    private static T? Lambda<T>(Expression? body, params ParameterExpression[] parameters)
        where T : Delegate =>
        body is null ? null : Compile(Expression.Lambda<T>(body, parameters));

    /// <summary>Compiles with FastExpressionCompiler (as RulesEngine does by default), which is several times quicker to
    /// compile than <see cref="LambdaExpression.Compile()"/>, falling back to the latter for a tree it does not support.</summary>
    internal static T Compile<T>(Expression<T> lambda)
        where T : Delegate =>
        FastExpressionCompiler.ExpressionCompiler.CompileFast(lambda, ifFastFailedReturnNull: true) ?? lambda.Compile();

    /// <summary>Parses with RulesEngine's parser, checks the sandbox and the result type; null (and a problem) on failure.</summary>
    private static Expression? CompileExpression(
        RuleExpressionParser parser, string field, string text, ParameterExpression[] parameters, Type expected, Action<string, JToken?> add, JToken? at)
    {
        // Checked on the text: System.Linq.Dynamic.Core silently re-parses a double literal met by a decimal as
        // decimal, but only when its process-wide literal cache holds the text, so the tree may show either type.
        var floats = Literals().Matches(text).Select(m => m.Value)
            .Where(v => char.IsDigit(v[0]) && !v.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && !v.EndsWith('m') && !v.EndsWith('M')
                && (v.Contains('.') || v.IndexOfAny(['e', 'E', 'd', 'D', 'f', 'F']) >= 0))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var f in floats)
        {
            add($"{field}: '{f}' is a floating-point number; money is decimal in rules too (write {f.TrimEnd('d', 'D', 'f', 'F')}m)", at);
        }

        if (floats.Count > 0) return null;

        Expression body;
        try
        {
            body = parser.Parse(text, parameters, null!);
        }
        catch (System.Linq.Dynamic.Core.Exceptions.ParseException ex)
        {
            add($"{field}: {ex.Message.TrimEnd('.')} (at character {ex.Position + 1} of \"{text}\")", at);
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotSupportedException or InvalidCastException)
        {
            add($"{field}: {ex.Message.TrimEnd('.')} (in \"{text}\")", at);
            return null;
        }

        var violations = ExpressionSandbox.Check(body);
        foreach (var v in violations) add($"{field}: {v}", at);
        if (violations.Count > 0) return null;

        // Only vetted members remain; now make the work they do on a case count against the decision's budget.
        body = StepBudget.Instrument(body);

        if (expected == typeof(IComparable))
        {
            if (!typeof(IComparable).IsAssignableFrom(body.Type))
            {
                add($"{field}: \"{text}\" gives {body.Type.Name}, which cannot be sorted; give a string, number or instant", at);
                return null;
            }

            return body;
        }

        if (body.Type == expected) return body;
        if (expected == typeof(decimal) && body.Type is var t && (t == typeof(int) || t == typeof(long)))
        {
            return Expression.Convert(body, typeof(decimal));
        }

        var hint = Nullable.GetUnderlyingType(body.Type) == expected ? " (it may be null: use .Value after checking != null, or ??)" : "";
        add($"{field}: \"{text}\" gives {TypeName(body.Type)}; expected {TypeName(expected)}{hint}", at);
        return null;
    }

    private static string TypeName(Type t) =>
        Nullable.GetUnderlyingType(t) is { } u ? TypeName(u) + "?" : t == typeof(bool) ? "a boolean" : t == typeof(decimal) ? "a decimal" : t.Name;

    private static void Allow(JObject props, string name, bool allowed, Action<string, JToken?> add, string who)
    {
        if (!allowed && props[name] is { } t) add($"Properties.{name}: only for {who}", t);
    }

    private static string? String(JObject o, string name, Action<string, JToken?> add, bool required, string? what = null, string prefix = "")
    {
        var t = o[name];
        if (t is null || t.Type == JTokenType.Null)
        {
            if (required) add($"{prefix}{name}: required{(what is null ? "" : ", " + what)}", o);
            return null;
        }

        if (t.Type == JTokenType.String && ((string)t!).Trim().Length > 0) return (string)t!;
        add($"{prefix}{name}: expected a non-empty string{(what is null ? "" : ", " + what)}", t);
        return null;
    }

    private static string? OneOf(JObject props, string name, IReadOnlyList<string> allowed, Action<string, JToken?> add, bool required)
    {
        var s = String(props, name, add, required, "one of " + string.Join(", ", allowed), "Properties.");
        if (s is null || allowed.Contains(s)) return s;
        add($"Properties.{name}: '{s}' is not one of {string.Join(", ", allowed)}", props[name]);
        return null;
    }

    private static void ValidateWithRulesEngine(ParsedWorkflow parsed, FileContext ctx)
    {
        // The same workflow through RulesEngine's own validator, so a file CreditPolicy accepts is also a valid RulesEngine workflow.
        try
        {
            var wf = parsed.Token.ToObject<Workflow>(JsonSerializer.Create(new JsonSerializerSettings { DateParseHandling = DateParseHandling.None }))!;
            _ = new RulesEngine.RulesEngine([wf], Settings);
        }
        catch (Exception ex) when (ex is RulesEngine.Exceptions.RuleValidationException or JsonException or ArgumentException)
        {
            ctx.Add(parsed.Name, null, "RulesEngine rejects the workflow: " + ex.Message, parsed.Token);
        }
    }

    private static void CheckProducers(List<CompiledRule> rules, List<RuleProblem> problems)
    {
        foreach (var type in RequestTypes.All)
        {
            var groups = rules
                .Where(r => r.Info.Enabled && r.Produces is not null && r.Info.AppliesTo.Contains(type))
                .GroupBy(r => r.Produces!)
                .Where(g => g.Count() > 1);
            foreach (var group in groups)
            {
                var first = group.First();
                problems.Add(new RuleProblem(first.Info.File, first.Info.Workflow, first.Name,
                    $"rules {string.Join(", ", group.Select(r => $"'{r.Name}'"))} all produce {group.Key} for '{type}' requests; at most one may"));
            }
        }
    }

    private static int? Line(JToken t) => t is IJsonLineInfo info && info.HasLineInfo() ? info.LineNumber : null;
}
