using CreditPolicy.Model.Contract;
using CreditPolicy.Rules;
using CreditPolicy.Rules.Effects;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Schemas;

/// <summary>The JSON Schemas of rule directories and of cases, generated from the code that reads them, so a schema never says something the loader does not.</summary>
/// <remarks>
/// The rule-file schema comes from the fields the loader accepts and the properties each effect module reads; the
/// vocabulary and terms schemas from their loaders' fields; a case schema from a version's declared vocabulary. The copies
/// in a rule directory's <c>schema/</c> folder (for editors) are written by <c>creditpolicy schema --out</c>, and
/// <c>creditpolicy check</c> fails when one differs from what this version of CreditPolicy generates.
/// </remarks>
internal static class SchemaCatalog
{
    private const string Draft = "http://json-schema.org/draft-07/schema#";

    /// <summary>The ISO-8601 instant with offset a case accepts (what NodaTime's extended ISO pattern reads).</summary>
    public const string InstantPattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}(:[0-9]{2}(:[0-9]{2})?)?)$";

    public const string DatePattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

    /// <summary>The schema of a rule file: one RulesEngine workflow with CreditPolicy's conventions.</summary>
    public static JObject RuleFile()
    {
        var expression = new JObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = RuleExpressions.MaxLength, ["description"] = "A C#-like expression over c (the case), g (the grant, in grant rules and per-grant properties), Cal (calendar helpers) and the version's named constants." };
        var properties = new JObject
        {
            [RuleConventions.Clause] = new JObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "The clause of the terms the rule enforces, such as \"B.1\"." },
            [RuleConventions.Scope] = new JObject { ["enum"] = new JArray("grant", "request"), ["description"] = "grant: runs once per grant with c and g; request: runs once per case for the request types in appliesTo, with c." },
            [RuleConventions.Effect] = new JObject { ["enum"] = new JArray("expiry", "exclude", "deny", "permit", "note"), ["description"] = "Grant rules: expiry (proposes expiresAt; the earliest wins) or exclude (makes the grant unavailable with status). Request rules: deny, permit or note." },
            [RuleConventions.AppliesTo] = new JObject { ["type"] = "array", ["minItems"] = 1, ["uniqueItems"] = true, ["items"] = new JObject { ["type"] = "string", ["minLength"] = 1 }, ["description"] = "The request types (declared in vocabulary.json) a request rule runs for." },
            [RuleConventions.Status] = new JObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "Grant rules: the status an exclusion gives, or that passing an expiry means (default expired)." },
            [RuleConventions.ExpiresAt] = new JObject { ["$ref"] = "#/definitions/expression", ["description"] = "Expiry rules: the expiry Instant." },
            [RuleConventions.NeverExpires] = new JObject { ["type"] = "boolean", ["description"] = "Expiry rules: true says the grants the rule matches never expire (instead of expiresAt)." },
            [RuleConventions.Produces] = new JObject { ["enum"] = new JArray(EffectModules.All.Select(e => e.Name)), ["description"] = "Permit rules: the effect of the decision the rule produces: " + string.Join("; ", EffectModules.All.Select(e => $"{e.Name}: {e.Description}")) },
            [RuleConventions.ExplainExclusions] = new JObject { ["type"] = "boolean", ["description"] = "Deny rules: also cite the exclusion rules that made grants unavailable." },
            [RuleConventions.Description] = new JObject { ["type"] = "string", ["description"] = "Free text for authors." },
        };
        foreach (var name in EffectModules.PropertyNames)
        {
            var owners = EffectModules.All.SelectMany(e => e.Properties.Where(p => p.Name == name).Select(p => (Effect: e, Property: p))).ToArray();
            var description = string.Join(" ", owners.Select(o => $"produces {o.Effect.Name}: {o.Property.Description}"));
            properties[name] = owners[0].Property.List
                ? new JObject { ["type"] = "array", ["minItems"] = 1, ["items"] = new JObject { ["$ref"] = "#/definitions/expression" }, ["description"] = description }
                : new JObject { ["$ref"] = "#/definitions/expression", ["description"] = description };
        }

        return new JObject
        {
            ["$schema"] = Draft,
            ["title"] = "CreditPolicy rule file",
            ["description"] = "One Microsoft RulesEngine workflow with CreditPolicy's conventions: each rule's Expression is its condition, SuccessEvent the message a decision cites, and Properties say what the rule does. Fields RulesEngine would silently ignore are errors here. Generated by creditpolicy schema; do not edit.",
            ["type"] = "object",
            ["required"] = new JArray("WorkflowName", "Rules"),
            ["additionalProperties"] = false,
            ["properties"] = new JObject
            {
                ["$schema"] = new JObject { ["type"] = "string", ["description"] = "The schema this file follows, for editors." },
                ["WorkflowName"] = new JObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "Unique across the rule set." },
                ["Description"] = new JObject { ["type"] = "string", ["description"] = "What the workflow covers, for authors." },
                ["Rules"] = new JObject { ["type"] = "array", ["minItems"] = 1, ["items"] = new JObject { ["$ref"] = "#/definitions/rule" } },
            },
            ["definitions"] = new JObject
            {
                ["expression"] = expression,
                ["rule"] = new JObject
                {
                    ["type"] = "object",
                    ["required"] = new JArray("RuleName", "Expression", "SuccessEvent", "Properties"),
                    ["additionalProperties"] = false,
                    ["properties"] = new JObject
                    {
                        ["RuleName"] = new JObject { ["type"] = "string", ["description"] = "A stable kebab-case name, unique across the rule set, such as \"refund-denied\"; decisions cite it.", ["pattern"] = "^[a-z0-9]+(-[a-z0-9]+)*$" },
                        ["Expression"] = new JObject { ["$ref"] = "#/definitions/expression", ["description"] = "The rule's condition: when it holds, the rule fires." },
                        ["SuccessEvent"] = new JObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "The message a decision cites when the rule fires." },
                        ["Enabled"] = new JObject { ["type"] = "boolean", ["description"] = "false switches the rule off." },
                        ["RuleExpressionType"] = new JObject { ["enum"] = new JArray("LambdaExpression") },
                        ["Properties"] = new JObject { ["$ref"] = "#/definitions/properties" },
                    },
                },
                ["properties"] = new JObject
                {
                    ["type"] = "object",
                    ["description"] = "What the rule does when its Expression holds.",
                    ["required"] = new JArray("clause", "scope", "effect"),
                    ["additionalProperties"] = false,
                    ["properties"] = properties,
                    ["oneOf"] = new JArray(
                        new JObject
                        {
                            ["title"] = "a grant rule (scope grant, effect expiry or exclude, without appliesTo)",
                            ["properties"] = new JObject { ["scope"] = new JObject { ["enum"] = new JArray("grant") }, ["effect"] = new JObject { ["enum"] = new JArray("expiry", "exclude") } },
                            ["not"] = new JObject { ["required"] = new JArray("appliesTo") },
                        },
                        new JObject
                        {
                            ["title"] = "a request rule (scope request, effect deny, permit or note, with appliesTo)",
                            ["properties"] = new JObject { ["scope"] = new JObject { ["enum"] = new JArray("request") }, ["effect"] = new JObject { ["enum"] = new JArray("deny", "permit", "note") } },
                            ["required"] = new JArray("appliesTo"),
                        }),
                },
            },
        };
    }

    /// <summary>The schema of <c>terms.json</c>.</summary>
    public static JObject Terms() => new()
    {
        ["$schema"] = Draft,
        ["title"] = "CreditPolicy terms manifest (terms.json)",
        ["description"] = "Names the version of the terms a rule directory holds; every decision cites it. Generated by creditpolicy schema; do not edit.",
        ["type"] = "object",
        ["required"] = new JArray("termsVersion"),
        ["additionalProperties"] = false,
        ["properties"] = new JObject
        {
            ["$schema"] = new JObject { ["type"] = "string", ["description"] = "The schema this file follows, for editors." },
            ["termsVersion"] = new JObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "The version every decision cites, such as \"2026-11-24\"; in versions/<termsVersion>/ it must match the folder's name." },
            ["effectiveFrom"] = new JObject { ["type"] = "string", ["pattern"] = InstantPattern, ["description"] = "The instant (ISO-8601 with offset) from which this version is in force; required for each version under versions/, absent for terms in force at every instant." },
            ["title"] = new JObject { ["type"] = "string" },
            ["description"] = new JObject { ["type"] = "string" },
        },
    };

    /// <summary>The schema of <c>vocabulary.json</c>.</summary>
    public static JObject Vocabulary()
    {
        var types = new JArray("string", "enum", "decimal", "integer", "boolean", "instant", "date", "set", "object", "timeZone", "grantId", "kind");
        var attribute = new JObject
        {
            ["type"] = "object",
            ["required"] = new JArray("type"),
            ["additionalProperties"] = false,
            ["properties"] = new JObject
            {
                ["type"] = new JObject { ["enum"] = types, ["description"] = "string, enum (one of values), decimal (exact), integer, boolean, instant (ISO-8601 with offset), date (ISO-8601), set (of strings), object (nested attributes), timeZone (IANA id), grantId (names a grant of the case; requests only), kind (a declared kind)." },
                ["required"] = new JObject { ["type"] = "boolean", ["description"] = "Whether every case must give it; optional attributes read as their default, or null." },
                ["default"] = new JObject { ["description"] = "The value of an absent optional attribute, typed as declared." },
                ["values"] = new JObject { ["type"] = "array", ["minItems"] = 1, ["uniqueItems"] = true, ["items"] = new JObject { ["type"] = "string", ["minLength"] = 1 }, ["description"] = "enum: the allowed strings; set: the allowed elements (optional)." },
                ["minimum"] = new JObject { ["type"] = "number" },
                ["exclusiveMinimum"] = new JObject { ["type"] = "number" },
                ["maximum"] = new JObject { ["type"] = "number" },
                ["maxLength"] = new JObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = CaseLimits.MaxStringLength, ["description"] = $"Strings and set elements: the most characters (default {CaseLimits.DefaultMaxStringLength})." },
                ["maxItems"] = new JObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = CaseLimits.MaxSetItems, ["description"] = $"Sets: the most elements (default {CaseLimits.DefaultMaxSetItems})." },
                ["attributes"] = new JObject { ["$ref"] = "#/definitions/attributes", ["description"] = "object: the nested object's attributes." },
                ["description"] = new JObject { ["type"] = "string" },
            },
        };
        var attributes = new JObject
        {
            ["type"] = "object",
            ["propertyNames"] = new JObject { ["pattern"] = "^[a-z][A-Za-z0-9]*$" },
            ["maxProperties"] = CaseLimits.MaxAttributes,
            ["additionalProperties"] = new JObject { ["$ref"] = "#/definitions/attribute" },
        };
        return new JObject
        {
            ["$schema"] = Draft,
            ["title"] = "CreditPolicy case vocabulary (vocabulary.json)",
            ["description"] = "What a case under this version of the terms says: kinds of credit, the account's and grants' attributes, request types and their fields, named constants and consistency checks. Generated by creditpolicy schema; do not edit.",
            ["type"] = "object",
            ["required"] = new JArray("kinds", "account", "grant", "requests"),
            ["additionalProperties"] = false,
            ["properties"] = new JObject
            {
                ["$schema"] = new JObject { ["type"] = "string" },
                ["description"] = new JObject { ["type"] = "string" },
                ["kinds"] = new JObject
                {
                    ["type"] = "object",
                    ["minProperties"] = 1,
                    ["propertyNames"] = new JObject { ["pattern"] = "^[a-z][A-Za-z0-9]*$" },
                    ["additionalProperties"] = new JObject
                    {
                        ["type"] = "object",
                        ["additionalProperties"] = false,
                        ["properties"] = new JObject { ["description"] = new JObject { ["type"] = "string" }, ["defaults"] = new JObject { ["type"] = "object", ["description"] = "Defaults this kind gives its grants' optional attributes, such as {\"source\": \"purchase\"}." } },
                    },
                },
                ["account"] = new JObject { ["$ref"] = "#/definitions/attributes" },
                ["grant"] = new JObject { ["$ref"] = "#/definitions/attributes" },
                ["requests"] = new JObject
                {
                    ["type"] = "object",
                    ["minProperties"] = 1,
                    ["propertyNames"] = new JObject { ["pattern"] = "^[a-z][A-Za-z0-9]*$" },
                    ["additionalProperties"] = new JObject
                    {
                        ["type"] = "object",
                        ["additionalProperties"] = false,
                        ["properties"] = new JObject { ["description"] = new JObject { ["type"] = "string" }, ["fields"] = new JObject { ["$ref"] = "#/definitions/attributes" } },
                    },
                },
                ["constants"] = new JObject
                {
                    ["type"] = "object",
                    ["propertyNames"] = new JObject { ["pattern"] = "^[A-Za-z][A-Za-z0-9]*$" },
                    ["additionalProperties"] = new JObject
                    {
                        ["type"] = "object",
                        ["required"] = new JArray("type", "value"),
                        ["additionalProperties"] = false,
                        ["properties"] = new JObject
                        {
                            ["type"] = new JObject { ["enum"] = new JArray("string", "decimal", "integer", "boolean", "instant", "date", "set") },
                            ["value"] = new JObject(),
                            ["description"] = new JObject { ["type"] = "string" },
                        },
                    },
                },
                ["checks"] = new JObject
                {
                    ["type"] = "array",
                    ["items"] = new JObject
                    {
                        ["type"] = "object",
                        ["required"] = new JArray("name", "require", "path", "message"),
                        ["additionalProperties"] = false,
                        ["properties"] = new JObject
                        {
                            ["name"] = new JObject { ["type"] = "string", ["pattern"] = "^[a-z0-9]+(-[a-z0-9]+)*$" },
                            ["scope"] = new JObject { ["enum"] = new JArray("case", "grant") },
                            ["appliesTo"] = new JObject { ["type"] = "array", ["items"] = new JObject { ["type"] = "string" } },
                            ["when"] = new JObject { ["type"] = "string", ["minLength"] = 1 },
                            ["require"] = new JObject { ["type"] = "string", ["minLength"] = 1 },
                            ["path"] = new JObject { ["type"] = "string", ["minLength"] = 1 },
                            ["message"] = new JObject { ["type"] = "string", ["minLength"] = 1 },
                            ["description"] = new JObject { ["type"] = "string" },
                        },
                    },
                },
            },
            ["definitions"] = new JObject { ["attribute"] = attribute, ["attributes"] = attributes },
        };
    }

    /// <summary>The schema of a scenario file; its case is read (and checked) against the version's vocabulary when it runs.</summary>
    public static JObject Scenario()
    {
        var expect = new JObject
        {
            ["reasons"] = new JObject { ["type"] = "array", ["description"] = "The rule names the decision cites, in order.", ["items"] = new JObject { ["type"] = "string", ["minLength"] = 1 } },
            ["rules"] = new JObject
            {
                ["type"] = "object",
                ["description"] = "The version of the terms that must decide (null: none is in force).",
                ["additionalProperties"] = false,
                ["properties"] = new JObject { ["termsVersion"] = new JObject { ["type"] = new JArray("string", "null") } },
            },
        };
        foreach (var effect in EffectModules.All) expect[effect.Name] = Loosen(effect.Schema());
        return new JObject
        {
            ["$schema"] = Draft,
            ["title"] = "CreditPolicy scenario",
            ["description"] = "A case and what its decision must be. The folder the file sits in (permit/, deny/ or indeterminate/ under tests/) names the expected outcome. Objects in expect match on the keys they name. Generated by creditpolicy schema; do not edit.",
            ["type"] = "object",
            ["required"] = new JArray("case", "expect"),
            ["additionalProperties"] = false,
            ["properties"] = new JObject
            {
                ["$schema"] = new JObject { ["type"] = "string", ["description"] = "The schema this file follows, for editors." },
                ["description"] = new JObject { ["type"] = "string", ["description"] = "What the scenario shows, for a person." },
                ["case"] = new JObject { ["type"] = "object", ["description"] = "The case; it is read against the vocabulary of the version that decides it (see case.schema.json)." },
                ["expect"] = new JObject
                {
                    ["type"] = "object",
                    ["description"] = "What the decision must say: the rules it cites, in order, and any effects to match.",
                    ["required"] = new JArray("reasons"),
                    ["additionalProperties"] = false,
                    ["properties"] = expect,
                },
            },
        };
    }

    /// <summary>An expectation names only the keys it matches: drop <c>required</c> from a decision field's schema.</summary>
    private static JObject Loosen(JObject schema)
    {
        var copy = (JObject)schema.DeepClone();
        foreach (var o in copy.DescendantsAndSelf().OfType<JObject>().ToArray()) o.Remove("required");
        return copy;
    }

    /// <summary>The JSON Schema of cases under one version's vocabulary: what the case reader accepts, as far as JSON Schema can say it.</summary>
    /// <remarks>
    /// What a schema cannot say is left to the reader: that a <c>grantId</c> names a grant of the case, that grant ids are
    /// unique, that a time zone is one the tz database knows, that a decimal fits exactly, and the vocabulary's checks.
    /// </remarks>
    public static JObject Case(CaseContract contract, string? termsVersion)
    {
        var requests = new JArray();
        foreach (var type in contract.RequestTypes)
        {
            var r = contract.Requests[type];
            var o = Entity(r.Fields, contract);
            // A one-value enum rather than const: the same in draft-07, and understood by validators that ignore const
            // (NJsonSchema does, and then every request without fields matches every such branch of the oneOf).
            ((JObject)o["properties"]!).AddFirst(new JProperty("type", new JObject { ["enum"] = new JArray(type) }));
            ((JArray)o["required"]!).Insert(0, "type");
            o["title"] = $"a '{type}' request";
            if (r.Description is { } d) o["description"] = d;
            requests.Add(o);
        }

        var account = Entity(contract.Account, contract);
        ((JObject)account["properties"]!).Add("termsVersion", new JObject
        {
            ["type"] = new JArray("string", "null"),
            ["minLength"] = 1,
            ["description"] = "Pins the account to one version of the terms; absent to use the version in force at asOf.",
        });
        return new JObject
        {
            ["$schema"] = Draft,
            ["title"] = termsVersion is null ? "CreditPolicy case" : $"CreditPolicy case (terms {termsVersion})",
            ["description"] = (contract.Description is { } cd ? cd + " " : "") + "Generated by creditpolicy schema from vocabulary.json; do not edit.",
            ["type"] = "object",
            ["required"] = new JArray("asOf", "account", "grants", "request"),
            ["additionalProperties"] = false,
            ["properties"] = new JObject
            {
                ["$schema"] = new JObject { ["type"] = "string" },
                ["asOf"] = new JObject { ["type"] = "string", ["pattern"] = InstantPattern, ["description"] = "The instant the request is decided at: the only \"now\"." },
                ["account"] = account,
                ["grants"] = new JObject { ["type"] = "array", ["items"] = Entity(contract.Grant, contract) },
                ["request"] = new JObject { ["oneOf"] = requests },
            },
        };
    }

    private static JObject Entity(EntityContract entity, CaseContract contract)
    {
        var properties = new JObject();
        var required = new JArray();
        foreach (var a in entity.Attributes)
        {
            properties[a.Name] = Attribute(a, contract);
            if (a.Required) required.Add(a.Name);
        }

        return new JObject { ["type"] = "object", ["additionalProperties"] = false, ["required"] = required, ["properties"] = properties };
    }

    private static JObject Attribute(AttributeContract a, CaseContract contract)
    {
        JObject s;
        switch (a.Kind)
        {
            case AttributeKind.String:
            case AttributeKind.GrantId:
                s = new JObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = a.MaxLength };
                break;
            case AttributeKind.TimeZone:
                s = new JObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "An IANA time zone id, such as \"America/New_York\"." };
                break;
            case AttributeKind.Enum:
            case AttributeKind.Kind:
                s = new JObject { ["enum"] = new JArray(a.Values!) };
                break;
            case AttributeKind.Decimal:
            case AttributeKind.Integer:
                s = new JObject { ["type"] = a.Kind == AttributeKind.Integer ? "integer" : "number" };
                if (a.Minimum is { } min) s["minimum"] = min;
                if (a.ExclusiveMinimum is { } xmin) s["exclusiveMinimum"] = xmin;
                if (a.Maximum is { } max) s["maximum"] = max;
                break;
            case AttributeKind.Boolean:
                s = new JObject { ["type"] = "boolean" };
                break;
            case AttributeKind.Instant:
                s = new JObject { ["type"] = "string", ["pattern"] = InstantPattern };
                break;
            case AttributeKind.Date:
                s = new JObject { ["type"] = "string", ["pattern"] = DatePattern };
                break;
            case AttributeKind.Set:
                var item = a.Values is { } values ? new JObject { ["enum"] = new JArray(values) } : new JObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = a.MaxLength };
                s = new JObject { ["type"] = "array", ["uniqueItems"] = true, ["maxItems"] = a.MaxItems, ["items"] = item };
                break;
            default:
                s = Entity(a.Object!, contract);
                break;
        }

        // An optional attribute may be given as null, which reads as absent.
        if (!a.Required)
        {
            if (s["enum"] is JArray e) e.Add(JValue.CreateNull());
            else if (s["type"] is JValue { Type: JTokenType.String } t) s["type"] = new JArray((string)t!, "null");
        }

        if (a.Description is { } description) s["description"] = description + (s["description"] is { } extra ? " " + extra : "");
        if (a.Default is { } dflt) s["default"] = JToken.FromObject(DefaultValue(dflt));
        return s;
    }

    private static object DefaultValue(object value) => value switch
    {
        NodaTime.Instant i => Json.ValueText.Format(i),
        NodaTime.LocalDate d => Json.ValueText.Format(d),
        Model.StringSet set => set.ToArray(),
        _ => value,
    };

    /// <summary>A schema as the text written to disk: two-space indentation, LF line ends, a final newline.</summary>
    public static string Text(JObject schema)
    {
        var sb = new System.Text.StringBuilder();
        using (var w = new JsonTextWriter(new StringWriter(sb) { NewLine = "\n" }) { Formatting = Formatting.Indented, Indentation = 2 })
        {
            schema.WriteTo(w);
        }

        return sb.Replace("\r\n", "\n").Append('\n').ToString();
    }

    /// <summary>The schema files of a rule directory's <c>schema/</c> folder, for a catalogue: the four fixed ones, and the case schema of each version.</summary>
    public static IReadOnlyList<(string File, string Text)> Files(RuleCatalogue catalogue)
    {
        var files = new List<(string, string)>
        {
            ("rule-file.schema.json", Text(RuleFile())),
            ("terms.schema.json", Text(Terms())),
            ("vocabulary.schema.json", Text(Vocabulary())),
            ("scenario.schema.json", Text(Scenario())),
        };
        if (catalogue.Versions.Count == 1)
        {
            files.Add(("case.schema.json", Text(Case(catalogue.Versions[0].Contract, catalogue.Versions[0].Identity.TermsVersion))));
        }
        else
        {
            foreach (var v in catalogue.Versions) files.Add(($"case.{v.Identity.TermsVersion}.schema.json", Text(Case(v.Contract, v.Identity.TermsVersion))));
        }

        return files;
    }

    /// <summary>Problems for every file of <c>&lt;rules&gt;/schema/</c> that differs from what this version of CreditPolicy generates, or is missing.</summary>
    public static IReadOnlyList<RuleProblem> Stale(RuleCatalogue catalogue)
    {
        var folder = Path.Combine(catalogue.Directory, "schema");
        if (!Directory.Exists(folder)) return [];
        var problems = new List<RuleProblem>();
        foreach (var (file, text) in Files(catalogue))
        {
            var path = Path.Combine(folder, file);
            string? onDisk;
            try
            {
                onDisk = File.Exists(path) ? File.ReadAllText(path) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                onDisk = null;
            }

            if (onDisk is null) problems.Add(new RuleProblem($"schema/{file}", null, null, "missing: editors check files against it; write it with: creditpolicy schema --rules <dir> --out <dir>/schema"));
            else if (onDisk.Replace("\r\n", "\n") != text) problems.Add(new RuleProblem($"schema/{file}", null, null, "differs from the schema this version of CreditPolicy generates (from vocabulary.json and its own rule conventions); regenerate it: creditpolicy schema --rules <dir> --out <dir>/schema"));
        }

        return problems;
    }
}
