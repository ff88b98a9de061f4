using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using CreditPolicy.Rules.Effects;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Text;
using RulesEngine.Models;
using static CreditPolicy.Rules.RuleConventions;

namespace CreditPolicy.Rules;

/// <summary>Reads a rule directory, checks every file, workflow and rule, and compiles every expression up front.</summary>
/// <remarks>
/// RulesEngine compiles lazily and reports a broken expression as an ordinary <c>false</c> when it first runs. Here the
/// version's vocabulary (<c>vocabulary.json</c>) is read first, then every expression is parsed with RulesEngine's own
/// parser against the vocabulary's types when the set loads, checked against <see cref="ExpressionSandbox"/>, and
/// compiled; any failure anywhere stops the whole set from loading.
/// </remarks>
internal static partial class RuleSetLoader
{
    private static readonly string[] WorkflowFields = ["$schema", "WorkflowName", "Rules", "Description"];

    private static readonly string[] RuleFields = ["RuleName", "Expression", "SuccessEvent", "Properties", "Enabled", "RuleExpressionType"];

    private static readonly string[] UnsupportedRuleFields = ["Operator", "Rules", "WorkflowsToInject", "LocalParams", "Actions", "ErrorMessage"];

    private static readonly string[] UnsupportedWorkflowFields = ["WorkflowsToInject", "WorkflowRulesToInject", "GlobalParams", "RuleExpressionType"];

    /// <summary>The properties every rule may have, whatever it produces.</summary>
    internal static readonly string[] CoreProperties = [Clause, Scope, Effect, AppliesTo, Status, ExpiresAt, NeverExpires, Produces, ExplainExclusions, Description];

    private static readonly string[] PropertyNames = [.. CoreProperties, .. EffectModules.PropertyNames];

    private static readonly string[] TermsFields = ["$schema", "termsVersion", "effectiveFrom", "title", "description"];

    /// <summary>Settings shared with the stock RulesEngine path so both parse expressions the same way.</summary>
    internal static ReSettings Settings => RuleExpressions.Settings;

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    public static RuleSet Load(string directory, TimeZoneDatabase timeZones)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return Load(directory, RuleDirectorySnapshot.Read(directory), timeZones);
    }

    /// <summary>Loads one version from a snapshot of its folder, so what is compiled and digested is exactly what was read.</summary>
    /// <remarks>
    /// <para>Every entry the snapshot refused (a FIFO, a file over the size limit, a link leaving the directory) is a problem: the set does not load.</para>
    /// <para>With <paramref name="rulesEngineValidation"/>, each workflow CreditPolicy accepts is also put through RulesEngine's
    /// own validator, so a file that loads here is a valid RulesEngine workflow. CreditPolicy's own parse is stricter than that
    /// validator (it requires what RulesEngine requires and more), so the one-shot commands skip it: it costs a fifth of their
    /// start-up (a JSON serializer and FluentValidation built for one use). <c>check</c>, the library's public loads and every
    /// hot reload keep it.</para>
    /// </remarks>
    internal static RuleSet Load(string directory, RuleDirectorySnapshot tree, TimeZoneDatabase timeZones, bool rulesEngineValidation = true)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(timeZones);
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
        foreach (var required in new[] { TermsFile, VocabularyFile })
        {
            // After a limit stopped the read, a file not read may well be there: the refusal that stopped it says why.
            if (!tree.Truncated && !files.Contains(required, StringComparer.Ordinal) && !problems.Any(p => p.File == required))
            {
                problems.Add(new RuleProblem(required, null, null, required == TermsFile
                    ? "missing: every rule directory has a terms.json naming its termsVersion"
                    : "missing: every rule directory has a vocabulary.json declaring the kinds of credit, the attributes of accounts and grants, and the request types"));
            }
        }

        var contents = files.ToDictionary(f => f, tree.Bytes, StringComparer.Ordinal);
        var (termsVersion, effectiveFrom) = contents.TryGetValue(TermsFile, out var terms) ? ReadTerms(terms, problems) : (null, null);
        var contract = contents.TryGetValue(VocabularyFile, out var vocabulary) ? VocabularyLoader.Load(VocabularyFile, vocabulary, timeZones, problems) : null;
        var expressions = contract is null ? null : new RuleExpressions(contract);
        var checks = expressions is null ? null : ContractChecks.Compile(expressions, problems);

        var compiled = new List<CompiledRule>();
        var workflowNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var ruleNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var workflows = 0;
        foreach (var file in files.Where(f => f != TermsFile && f != VocabularyFile))
        {
            workflows++;
            var fileProblems = new FileContext(file, problems);
            var workflow = ParseWorkflow(file, contents[file], fileProblems, workflowNames);
            if (workflow is null) continue;
            var before = fileProblems.Count;
            foreach (var rule in workflow.Rules)
            {
                if (CompileRule(rule, workflow.Name, fileProblems, expressions, ruleNames) is { } r) compiled.Add(r);
            }

            // RulesEngine's validator repeats what was already reported; ask it only about workflows we accept.
            if (rulesEngineValidation && fileProblems.Count == before) ValidateWithRulesEngine(workflow, fileProblems);
        }

        if (contract is not null) CheckProducers(contract, compiled, problems);
        if (workflows == 0 && problems.Count == 0)
        {
            problems.Add(new RuleProblem(directory, null, null, "no rule files: the directory holds terms.json but no workflow"));
        }

        if (problems.Count > 0 || contract is null) throw new RuleSetLoadException(directory, problems);
        var identity = new RuleSetIdentity(termsVersion!, Digest(files, contents), timeZones.Version);
        var set = new RuleSet(full, identity, effectiveFrom, files, contract, compiled);
        contract.Validate = checks!.For(set);
        return set;
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
        if (RuleJson.Parse(TermsFile, bytes, problems) is not JObject o)
        {
            return (null, null);
        }

        foreach (var p in o.Properties().Where(p => !TermsFields.Contains(p.Name)))
        {
            problems.Add(new RuleProblem(TermsFile, null, null, $"unknown field '{p.Name}'; expected one of {string.Join(", ", TermsFields.Skip(1))}", RuleJson.Line(p)));
        }

        Instant? effectiveFrom = null;
        if (o["effectiveFrom"] is { Type: not JTokenType.Null } from)
        {
            var parsed = from.Type == JTokenType.String ? OffsetDateTimePattern.ExtendedIso.Parse((string)from!) : null;
            if (parsed is { Success: true }) effectiveFrom = parsed.Value.ToInstant();
            else problems.Add(new RuleProblem(TermsFile, null, null, $"effectiveFrom: expected an ISO-8601 instant with offset such as \"2026-11-24T00:00:00Z\", got {from.ToString(Formatting.None)}", RuleJson.Line(from)));
        }

        if (o["termsVersion"] is JValue { Type: JTokenType.String } v && ((string)v!).Trim().Length > 0) return ((string)v!, effectiveFrom);
        problems.Add(new RuleProblem(TermsFile, null, null, "termsVersion: required, a non-empty string such as \"2026-11-24\"", RuleJson.Line(o)));
        return (null, effectiveFrom);
    }

    private sealed record ParsedWorkflow(string Name, JObject Token, IReadOnlyList<JObject> Rules);


    private sealed class FileContext(string file, List<RuleProblem> problems)
    {
        public string File { get; } = file;

        public int Count => problems.Count;

        public void Add(string? workflow, string? rule, string message, JToken? at, int? line = null) =>
            problems.Add(new RuleProblem(File, workflow, rule, message, at is null ? line : RuleJson.Line(at)));
    }

    private static ParsedWorkflow? ParseWorkflow(string file, byte[] bytes, FileContext ctx, Dictionary<string, string> workflowNames)
    {
        var before = ctx.Count;
        var parseProblems = new List<RuleProblem>();
        var token = RuleJson.Parse(file, bytes, parseProblems);
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

    private static CompiledRule? CompileRule(JObject r, string workflow, FileContext ctx, RuleExpressions? expressions, Dictionary<string, string> ruleNames)
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
        var effects = scope == Scopes.Grant ? new[] { EffectKinds.Expiry, EffectKinds.Exclude } : [EffectKinds.Deny, EffectKinds.Permit, EffectKinds.Note];
        var effect = OneOf(props, Effect, effects, Add, required: true);
        var requestTypes = expressions?.Contract.RequestTypes ?? [];
        var appliesTo = Array.Empty<string>();
        if (scope == Scopes.Request)
        {
            if (props[AppliesTo] is JArray arr && arr.Count > 0 && arr.All(t => t.Type == JTokenType.String))
            {
                appliesTo = arr.Select(t => (string)t!).Distinct(StringComparer.Ordinal).ToArray();
                foreach (var bad in appliesTo.Where(t => expressions is not null && !requestTypes.Contains(t)))
                {
                    var near = requestTypes.FirstOrDefault(t => Spelling.IsNear(t, bad));
                    Add($"Properties.appliesTo: '{bad}' is not a request type {VocabularyFile} declares ({string.Join(", ", requestTypes)})" + (near is null ? "" : $"; did you mean '{near}'?"), props[AppliesTo]);
                }
            }
            else
            {
                Add($"Properties.appliesTo: required for request rules, a non-empty array of request types ({string.Join(", ", requestTypes)})", props[AppliesTo]);
            }
        }
        else if (props[AppliesTo] is not null)
        {
            Add("Properties.appliesTo: grant rules run for every request; narrow them in the Expression with c.Request.Type", props[AppliesTo]);
        }

        var status = String(props, Status, Add, required: effect == EffectKinds.Exclude, what: "the status the rule gives a grant", prefix: "Properties.");
        if (effect == EffectKinds.Expiry) status ??= "expired";
        EffectModule? produces = null;
        if (effect == EffectKinds.Permit && String(props, Produces, Add, required: false, what: "one of " + string.Join(", ", EffectModules.All.Select(m => m.Name)), prefix: "Properties.") is { } producesName)
        {
            produces = EffectModules.Find(producesName);
            if (produces is null)
            {
                var near = EffectModules.All.FirstOrDefault(m => Spelling.IsNear(m.Name, producesName));
                Add($"Properties.produces: '{producesName}' is not one of {string.Join(", ", EffectModules.All.Select(m => m.Name))}" + (near is null ? "" : $"; did you mean '{near.Name}'?"), props[Produces]);
            }
        }

        if (effect != EffectKinds.Permit && props[Produces] is not null) Add("Properties.produces: only permit rules produce effects", props[Produces]);
        var explain = props[ExplainExclusions] is JValue { Type: JTokenType.Boolean } x && (bool)x!;
        if (props[ExplainExclusions] is { } xe && (xe.Type != JTokenType.Boolean || effect != EffectKinds.Deny))
        {
            Add("Properties.explainExclusions: a boolean, on deny rules only", xe);
        }

        var never = props[NeverExpires] is JValue { Type: JTokenType.Boolean } nv && (bool)nv!;
        if (props[NeverExpires] is { } ne && (ne.Type != JTokenType.Boolean || effect != EffectKinds.Expiry))
        {
            Add("Properties.neverExpires: true or false, on expiry rules only", ne);
        }

        if (never && props[ExpiresAt] is not null) Add("Properties.expiresAt: a rule whose grants never expire gives no expiresAt", props[ExpiresAt]);
        if (effect != EffectKinds.Expiry && props[ExpiresAt] is { } ea) Add("Properties.expiresAt: only for expiry rules", ea);

        // Effect properties belong to the effect that reads them.
        foreach (var prop in props.Properties().Where(p => EffectModules.PropertyNames.Contains(p.Name, StringComparer.Ordinal)))
        {
            if (produces is null || produces.Properties.All(q => q.Name != prop.Name))
            {
                var owners = EffectModules.All.Where(m => m.Properties.Any(q => q.Name == prop.Name)).Select(m => m.Name);
                Add($"Properties.{prop.Name}: only for rules that produce {string.Join(" or ", owners)}", prop);
            }
        }

        if (ctx.Count > before || expression is null || scope is null || effect is null || clause is null || name is null || expressions is null)
        {
            return null;
        }

        Func<CaseFacts, object?, bool>? grantCondition = null;
        Func<CaseFacts, object?, Instant>? expiresAt = null;
        string? expiresAtText = null;
        var requestConditions = new Dictionary<string, Func<CaseFacts, object?, bool>>(StringComparer.Ordinal);
        var compiledEffects = new Dictionary<string, CompiledEffect>(StringComparer.Ordinal);
        var probes = new Dictionary<string, RuleProbes>(StringComparer.Ordinal);
        var unconditional = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Problem(string text) { if (seen.Add(text)) Add(text, r["Expression"]); }

        if (scope == Scopes.Grant)
        {
            var phase = effect == EffectKinds.Expiry ? ExpressionPhase.Expiry : ExpressionPhase.Exclusion;
            var c = expressions.CaseParameter(null);
            var g = expressions.GrantParameter(check: false);
            var condition = expressions.Parse("Expression", expression, c, g, phase, typeof(bool), Problem);
            ParsedExpression? at = null;
            if (effect == EffectKinds.Expiry && !never)
            {
                var text = expiresAtText = String(props, ExpiresAt, Add, required: true, what: "an expression giving the expiry Instant (or \"neverExpires\": true)", prefix: "Properties.");
                if (text is not null) at = expressions.Parse("Properties.expiresAt", text, c, g, ExpressionPhase.Expiry, typeof(Instant), t => Add(t, props[ExpiresAt]));
                if (at is null) return null;
            }

            if (condition is null || ctx.Count > before) return null;
            unconditional = condition.Readable is ConstantExpression { Value: true };
            grantCondition = Delegate<bool>(condition.Body, c, g);
            if (at is not null) expiresAt = Delegate<Instant>(at.Body, c, g);
            probes[""] = RuleProbes.Collect(condition.Readable, at is null ? [] : [at.Readable], c, g);
        }
        else
        {
            foreach (var type in appliesTo)
            {
                var c = expressions.CaseParameter(type);
                var prefix = appliesTo.Length > 1 ? $"(for '{type}' requests) " : "";
                var condition = expressions.Parse("Expression", expression, c, null, ExpressionPhase.Request, typeof(bool), t => Problem(prefix + t));
                var effectParts = produces is null ? null : CompileEffect(produces, props, expressions, type, prefix, Add);
                if (condition is null || (produces is not null && effectParts is null)) continue;
                unconditional = condition.Readable is ConstantExpression { Value: true };
                requestConditions[type] = Delegate<bool>(condition.Body, c, null);
                if (effectParts is not null) compiledEffects[type] = effectParts;
                probes[type] = RuleProbes.Collect(condition.Readable, effectParts?.Readable ?? [], c, null);
            }
        }

        if (ctx.Count > before) return null;
        var info = new RuleInfo(name, clause, workflow, ctx.File, scope, effect, appliesTo, expression, message!, enabled, unconditional);
        return new CompiledRule
        {
            Info = info,
            Status = status,
            NeverExpires = never,
            Produces = produces,
            ExplainExclusions = explain,
            GrantCondition = grantCondition,
            ExpiresAt = expiresAt,
            ExpiresAtText = expiresAtText,
            RequestConditions = requestConditions,
            Effect = compiledEffects,
            Probes = probes,
        };
    }

    private static CompiledEffect? CompileEffect(EffectModule module, JObject props, RuleExpressions expressions, string requestType, string prefix, Action<string, JToken?> add)
    {
        var ok = true;
        var compiled = new Dictionary<string, IReadOnlyList<Delegate>>(StringComparer.Ordinal);
        var readable = new List<Expression>();
        foreach (var property in module.Properties)
        {
            var token = props[property.Name];
            if (token is null || token.Type == JTokenType.Null)
            {
                if (property.Required)
                {
                    add($"Properties.{property.Name}: required for rules that produce {module.Name}: {property.Description}", props);
                    ok = false;
                }

                continue;
            }

            var texts = EffectModules.Texts(token, property.List);
            if (texts is null)
            {
                add(property.List
                    ? $"Properties.{property.Name}: expected a non-empty array of expressions: {property.Description}"
                    : $"Properties.{property.Name}: expected an expression: {property.Description}", token);
                ok = false;
                continue;
            }

            var delegates = new List<Delegate>();
            foreach (var (text, at) in texts)
            {
                var c = expressions.CaseParameter(requestType);
                var g = property.PerGrant ? expressions.GrantParameter(check: false) : null;
                var parsed = expressions.Parse($"Properties.{property.Name}", text, c, g, ExpressionPhase.Request, property.Gives, t => add(prefix + t, at));
                if (parsed is null)
                {
                    ok = false;
                    continue;
                }

                if (!property.PerGrant) readable.Add(parsed.Readable);
                delegates.Add(DelegateOf(property.Gives, parsed.Body, c, g));
            }

            compiled[property.Name] = delegates;
        }

        return ok ? new CompiledEffect(compiled, readable) : null;
    }

    private static Delegate DelegateOf(Type gives, Expression body, ParameterExpression c, ParameterExpression? g)
    {
        var method = typeof(RuleSetLoader).GetMethod(nameof(Delegate), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        var target = gives == typeof(IComparable) ? typeof(IComparable) : gives;
        if (gives == typeof(IComparable)) body = Expression.Convert(body, typeof(IComparable));
        return (Delegate)method.MakeGenericMethod(target).Invoke(null, [body, c, g])!;
    }

    /// <summary>Compiles a body over a typed <c>c</c> (and <c>g</c>) into a delegate over the base types, converting each once.</summary>
    internal static Func<CaseFacts, object?, T> Delegate<T>(Expression body, ParameterExpression c, ParameterExpression? g)
    {
        var cBase = Expression.Parameter(typeof(CaseFacts), "facts");
        var gBase = Expression.Parameter(typeof(object), "grant");
        var variables = g is null ? new[] { c } : [c, g];
        var assigns = new List<Expression> { Expression.Assign(c, Expression.Convert(cBase, c.Type)) };
        if (g is not null) assigns.Add(Expression.Assign(g, Expression.Convert(gBase, g.Type)));
        var block = Expression.Block(typeof(T), variables, [.. assigns, body]);
        return RuleExpressions.Compile(Expression.Lambda<Func<CaseFacts, object?, T>>(block, cBase, gBase));
    }

    private static void CheckProducers(CaseContract contract, List<CompiledRule> rules, List<RuleProblem> problems)
    {
        foreach (var type in contract.RequestTypes)
        {
            var groups = rules
                .Where(r => r.Info.Enabled && r.Produces is not null && r.Info.AppliesTo.Contains(type))
                .GroupBy(r => r.Produces!.Name)
                .Where(g => g.Count() > 1);
            foreach (var group in groups)
            {
                var first = group.First();
                problems.Add(new RuleProblem(first.Info.File, first.Info.Workflow, first.Name,
                    $"rules {string.Join(", ", group.Select(r => $"'{r.Name}'"))} all produce {group.Key} for '{type}' requests; at most one may"));
            }
        }
    }
}
