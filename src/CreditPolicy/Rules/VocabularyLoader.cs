using System.Text;
using System.Text.RegularExpressions;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Rules;

/// <summary>Reads a version's <c>vocabulary.json</c>: the kinds of credit, the attributes of accounts and grants, the request types and their fields, named constants and consistency checks.</summary>
/// <remarks>
/// <para>A handful of attributes are the evaluator's own and must be declared with a fixed type: <c>account.id</c>
/// (string: sweeps and shards name accounts by it), <c>grant.id</c> (string, unique within a case), <c>grant.kind</c>
/// (type <c>kind</c>: effects and balances are given by kind) and <c>grant.remaining</c> (decimal: what effects draw,
/// forfeit and sum). Everything else is the terms' own vocabulary and may be anything the types allow.</para>
/// <para>Every problem names the file, the JSON path inside it and the line.</para>
/// </remarks>
internal static partial class VocabularyLoader
{
    public const string FileName = "vocabulary.json";

    private static readonly string[] TopFields = ["$schema", "description", "kinds", "account", "grant", "requests", "constants", "checks"];

    private static readonly string[] AttributeFields = ["type", "required", "default", "values", "minimum", "exclusiveMinimum", "maximum", "maxLength", "maxItems", "attributes", "description"];

    private static readonly string[] TypeNames = ["string", "enum", "decimal", "integer", "boolean", "instant", "date", "set", "object", "timeZone", "grantId", "kind"];

    /// <summary>Member names the evaluator's own types already use; an attribute may not take one.</summary>
    private static readonly string[] Reserved =
        ["Present", "Get", "Attributes", "Entity", "Type", "TargetGrantId", "TermsVersion", "Expiry", "ExpiryStatus", "NeverExpires", "ExpiryFor",
         "IsAvailable", "Is", "Data", "Index", "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone"];

    [GeneratedRegex("^[a-z][A-Za-z0-9]*$")]
    private static partial Regex AttributeName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*$")]
    private static partial Regex ConstantName();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    /// <summary>Parses and checks a vocabulary file; the contract, or null with every problem added.</summary>
    public static CaseContract? Load(string file, byte[] bytes, TimeZoneDatabase timeZones, List<RuleProblem> problems)
    {
        var before = problems.Count;
        var root = RuleJson.Parse(file, bytes, problems);
        if (root is null) return null;
        if (root is not JObject o)
        {
            problems.Add(new RuleProblem(file, null, null, "expected an object with kinds, account, grant and requests", RuleJson.Line(root)));
            return null;
        }

        void Add(string path, string message, JToken? at) => problems.Add(new RuleProblem(file, null, null, $"{path}: {message}", RuleJson.Line(at ?? o)));

        foreach (var p in o.Properties().Where(p => !TopFields.Contains(p.Name, StringComparer.Ordinal)))
        {
            var near = TopFields.FirstOrDefault(k => Spelling.IsNear(k, p.Name));
            Add(p.Name, near is null ? $"unknown field; expected one of {string.Join(", ", TopFields.Skip(1))}" : $"unknown field; did you mean '{near}'?", p);
        }

        // Kinds first: grant.kind's values and the kinds' defaults refer to them.
        var kindNames = new List<string>();
        if (o["kinds"] is JObject kinds && kinds.Count > 0)
        {
            foreach (var k in kinds.Properties())
            {
                if (!AttributeName().IsMatch(k.Name)) Add($"kinds.{k.Name}", "a kind is named in camelCase letters and digits, such as \"usage\"", k);
                else kindNames.Add(k.Name);
            }
        }
        else
        {
            Add("kinds", "required: an object naming each kind of credit, such as {\"usage\": {}, \"promotional\": {}}", o["kinds"]);
        }

        var account = o["account"] is JObject acc ? Entity(acc, "account", "account", EntityRole.Account, kindNames, timeZones, Add, 0) : null;
        if (o["account"] is not JObject) Add("account", "required: an object declaring the account's attributes", o["account"]);
        var grant = o["grant"] is JObject gr ? Entity(gr, "grant", "grant", EntityRole.Grant, kindNames, timeZones, Add, 0) : null;
        if (o["grant"] is not JObject) Add("grant", "required: an object declaring a grant's attributes", o["grant"]);

        if (account is not null) RequireStructural(account, "account", "id", AttributeKind.String, Structural.AccountId, Add, o["account"]);
        if (grant is not null)
        {
            RequireStructural(grant, "grant", "id", AttributeKind.String, Structural.GrantId, Add, o["grant"]);
            RequireStructural(grant, "grant", "kind", AttributeKind.Kind, Structural.GrantKind, Add, o["grant"]);
            RequireStructural(grant, "grant", "remaining", AttributeKind.Decimal, Structural.GrantRemaining, Add, o["grant"]);
        }

        var requests = new Dictionary<string, RequestContract>(StringComparer.Ordinal);
        var requestTypes = new List<string>();
        if (o["requests"] is JObject reqs && reqs.Count > 0)
        {
            foreach (var r in reqs.Properties())
            {
                var path = $"requests.{r.Name}";
                if (!AttributeName().IsMatch(r.Name))
                {
                    Add(path, "a request type is named in camelCase letters and digits, such as \"use\" or \"cashOut\"", r);
                    continue;
                }

                if (r.Value is not JObject decl)
                {
                    Add(path, "expected an object with \"fields\" (and optionally \"description\")", r.Value);
                    continue;
                }

                foreach (var p in decl.Properties().Where(p => p.Name is not ("fields" or "description")))
                {
                    Add($"{path}.{p.Name}", "unknown field; a request type declares \"fields\" and \"description\"", p);
                }

                var fieldsToken = decl["fields"] ?? new JObject();
                if (fieldsToken is not JObject fields)
                {
                    Add($"{path}.fields", "expected an object declaring the request's fields (use {} for none)", fieldsToken);
                    continue;
                }

                if (fields["type"] is not null) Add($"{path}.fields.type", "'type' is the request type itself; it cannot be a field", fields["type"]);
                var entity = Entity(fields, $"{path}.fields", $"request '{r.Name}'", EntityRole.Request, kindNames, timeZones, Add, 0);
                if (entity is null) continue;
                if (entity.Attributes.Count(a => a.Kind == AttributeKind.GrantId) > 1)
                {
                    Add($"{path}.fields", "at most one field of type grantId: it names the grant the request is about (c.Target)", fields);
                }

                requests[r.Name] = new RequestContract(r.Name, entity, Text(decl, "description"));
                requestTypes.Add(r.Name);
            }
        }
        else
        {
            Add("requests", "required: an object naming each request type and its fields, such as {\"use\": {\"fields\": {…}}}", o["requests"]);
        }

        var kindContracts = new List<KindContract>();
        if (o["kinds"] is JObject kindsObject && grant is not null)
        {
            foreach (var k in kindsObject.Properties().Where(k => kindNames.Contains(k.Name)))
            {
                var path = $"kinds.{k.Name}";
                if (k.Value is not JObject kd)
                {
                    Add(path, "expected an object (use {} for a kind with no defaults)", k.Value);
                    continue;
                }

                foreach (var p in kd.Properties().Where(p => p.Name is not ("defaults" or "description")))
                {
                    Add($"{path}.{p.Name}", "unknown field; a kind declares \"defaults\" and \"description\"", p);
                }

                var defaults = new Dictionary<string, object>(StringComparer.Ordinal);
                if (kd["defaults"] is JObject ds)
                {
                    foreach (var d in ds.Properties())
                    {
                        var a = grant.Find(d.Name);
                        if (a is null || a.Required || a.Structural != Structural.None || a.Kind is AttributeKind.Object)
                        {
                            Add($"{path}.defaults.{d.Name}", "a kind gives defaults to optional grant attributes only", d);
                            continue;
                        }

                        if (Value(a.Kind, a.Values, d.Value, kindNames, timeZones, out var value) is { } error) Add($"{path}.defaults.{d.Name}", error, d.Value);
                        else defaults[d.Name] = value!;
                    }
                }
                else if (kd["defaults"] is { } bad)
                {
                    Add($"{path}.defaults", "expected an object of grant attribute defaults, such as {\"source\": \"purchase\"}", bad);
                }

                kindContracts.Add(new KindContract(k.Name, defaults, Text(kd, "description")));
            }
        }

        var constants = new List<ConstantContract>();
        if (o["constants"] is JObject cs)
        {
            foreach (var c in cs.Properties())
            {
                var path = $"constants.{c.Name}";
                if (!ConstantName().IsMatch(c.Name) || c.Name is "c" or "g" or "Cal" or "true" or "false" or "null" or "it")
                {
                    Add(path, "a constant is named in letters and digits (PascalCase, such as \"ConsumerRefundCountries\") and not c, g, Cal, it, true, false or null", c);
                    continue;
                }

                if (c.Value is not JObject cd || cd["type"] is not JValue { Type: JTokenType.String } t)
                {
                    Add(path, "expected {\"type\": …, \"value\": …}", c.Value);
                    continue;
                }

                foreach (var p in cd.Properties().Where(p => p.Name is not ("type" or "value" or "description")))
                {
                    Add($"{path}.{p.Name}", "unknown field; a constant declares \"type\", \"value\" and \"description\"", p);
                }

                var kind = ParseKind((string)t!);
                if (kind is null or AttributeKind.Object or AttributeKind.GrantId or AttributeKind.Kind or AttributeKind.Enum or AttributeKind.TimeZone)
                {
                    Add($"{path}.type", "a constant is a string, decimal, integer, boolean, instant, date or set", t);
                    continue;
                }

                if (cd["value"] is not { } v || v.Type == JTokenType.Null)
                {
                    Add($"{path}.value", "required: the constant's value", cd);
                    continue;
                }

                if (Value(kind.Value, null, v, kindNames, timeZones, out var value) is { } error) Add($"{path}.value", error, v);
                else constants.Add(new ConstantContract(c.Name, kind.Value, value!, ContractTypes.ClrType(kind.Value, false), Text(cd, "description")));
            }
        }
        else if (o["constants"] is { } badConstants)
        {
            Add("constants", "expected an object of named constants", badConstants);
        }

        var checks = new List<CheckContract>();
        if (o["checks"] is JArray checkArray)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < checkArray.Count; i++)
            {
                var path = $"checks[{i}]";
                if (checkArray[i] is not JObject cd)
                {
                    Add(path, "expected a check object with name, require, path and message", checkArray[i]);
                    continue;
                }

                foreach (var p in cd.Properties().Where(p => p.Name is not ("name" or "scope" or "appliesTo" or "when" or "require" or "path" or "message" or "description")))
                {
                    Add($"{path}.{p.Name}", "unknown field; a check declares name, scope, appliesTo, when, require, path, message and description", p);
                }

                var name = Text(cd, "name");
                if (name is null || !KebabCase().IsMatch(name)) Add($"{path}.name", "required: a kebab-case name such as \"remaining-within-amount\"", cd["name"] ?? cd);
                else if (!names.Add(name)) Add($"{path}.name", $"'{name}' names another check too", cd["name"]);
                var scope = Text(cd, "scope") ?? "case";
                if (scope is not ("case" or "grant")) Add($"{path}.scope", "expected case or grant", cd["scope"]);
                var appliesTo = cd["appliesTo"] is JArray at ? at.Select(x => x.Type == JTokenType.String ? (string)x! : "").ToArray() : [];
                if (cd["appliesTo"] is { } badApplies && badApplies is not JArray) Add($"{path}.appliesTo", "expected an array of request types", badApplies);
                foreach (var t in appliesTo.Where(t => !requests.ContainsKey(t)))
                {
                    Add($"{path}.appliesTo", $"unknown request type '{t}'; expected some of {string.Join(", ", requestTypes)}", cd["appliesTo"]);
                }

                if (scope == "grant" && appliesTo.Length > 0) Add($"{path}.appliesTo", "grant checks run for every request; narrow them with a case check", cd["appliesTo"]);
                var require = Text(cd, "require");
                if (require is null) Add($"{path}.require", "required: the expression every valid case satisfies", cd);
                var fieldPath = Text(cd, "path");
                if (fieldPath is null) Add($"{path}.path", "required: the JSON path the problem names (for grant checks, relative to the grant, such as \"remaining\")", cd);
                var message = Text(cd, "message");
                if (message is null) Add($"{path}.message", "required: what is wrong, for a person, such as \"must not exceed amount\"", cd);
                if (name is not null && require is not null && fieldPath is not null && message is not null && scope is "case" or "grant")
                {
                    checks.Add(new CheckContract(name, scope, appliesTo, Text(cd, "when"), require, fieldPath, message));
                }
            }
        }
        else if (o["checks"] is { } badChecks)
        {
            Add("checks", "expected an array of checks", badChecks);
        }

        if (problems.Count > before || account is null || grant is null || requests.Count == 0 || kindNames.Count == 0) return null;

        var contract = new CaseContract
        {
            File = file,
            Account = account,
            Grant = grant,
            Requests = requests,
            RequestTypes = requestTypes,
            Kinds = kindContracts,
            Constants = constants,
            Checks = checks,
            TimeZones = timeZones,
            Description = Text(o, "description"),
            Signature = ContractTypes.Signature(account, grant, requestTypes.Select(t => (t, requests[t].Fields))),
        };
        ContractTypes.Bind(contract);
        return contract;
    }

    private static void RequireStructural(EntityContract entity, string path, string name, AttributeKind kind, Structural role, Action<string, string, JToken?> add, JToken? at)
    {
        var a = entity.Find(name);
        if (a is null || a.Kind != kind || !a.Required)
        {
            add($"{path}.{name}", $"required: {path}s must declare \"{name}\": {{\"type\": \"{TypeNames[(int)kind]}\", \"required\": true}}; the evaluator itself reads it", at);
        }
    }

    private static EntityContract? Entity(
        JObject o, string jsonPath, string entityPath, EntityRole role, List<string> kinds, TimeZoneDatabase timeZones, Action<string, string, JToken?> add, int depth)
    {
        var attributes = new List<AttributeContract>();
        var ok = true;
        var members = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (o.Count > CaseLimits.MaxAttributes)
        {
            add(jsonPath, $"{o.Count} attributes, more than the {CaseLimits.MaxAttributes} an object may declare", o);
            return null;
        }

        foreach (var p in o.Properties())
        {
            var path = $"{jsonPath}.{p.Name}";
            if (!AttributeName().IsMatch(p.Name))
            {
                add(path, "an attribute is named in camelCase letters and digits, such as \"billingCountry\"", p);
                ok = false;
                continue;
            }

            var member = char.ToUpperInvariant(p.Name[0]) + p.Name[1..];
            if (Reserved.Contains(member, StringComparer.OrdinalIgnoreCase) && !(role == EntityRole.Grant && p.Name is "id" or "kind" or "remaining") && !(role == EntityRole.Account && p.Name == "id"))
            {
                add(path, $"'{p.Name}' is a name the evaluator uses for its own members; choose another", p);
                ok = false;
                continue;
            }

            if (!members.Add(member))
            {
                add(path, "another attribute has the same name but for letter case; rule expressions ignore case, so they would clash", p);
                ok = false;
                continue;
            }

            if (p.Value is not JObject decl)
            {
                add(path, "expected an attribute declaration such as {\"type\": \"string\", \"required\": true}", p.Value);
                ok = false;
                continue;
            }

            var attribute = Attribute(decl, path, entityPath, p.Name, member, role, attributes.Count, kinds, timeZones, add, depth);
            if (attribute is null) ok = false;
            else attributes.Add(attribute);
        }

        return ok ? new EntityContract(entityPath, role, attributes) : null;
    }

    private static AttributeContract? Attribute(
        JObject decl, string path, string entityPath, string name, string member, EntityRole role, int index, List<string> kinds, TimeZoneDatabase timeZones,
        Action<string, string, JToken?> add, int depth)
    {
        var failed = false;
        void Fail(string p, string m, JToken? at)
        {
            failed = true;
            add(p, m, at);
        }

        foreach (var p in decl.Properties().Where(p => !AttributeFields.Contains(p.Name, StringComparer.Ordinal)))
        {
            var near = AttributeFields.FirstOrDefault(k => Spelling.IsNear(k, p.Name));
            Fail($"{path}.{p.Name}", near is null ? $"unknown field; expected one of {string.Join(", ", AttributeFields)}" : $"unknown field; did you mean '{near}'?", p);
        }

        if (decl["type"] is not JValue { Type: JTokenType.String } typeToken || ParseKind((string)typeToken!) is not { } kind)
        {
            Fail($"{path}.type", $"required: one of {string.Join(", ", TypeNames)}", decl["type"] ?? decl);
            return null;
        }

        var required = decl["required"] is JValue { Type: JTokenType.Boolean } req && (bool)req!;
        if (decl["required"] is { } r && r.Type != JTokenType.Boolean) Fail($"{path}.required", "expected true or false", r);

        if (kind == AttributeKind.GrantId && role != EntityRole.Request) Fail($"{path}.type", "grantId fields name a grant of the case; only requests have them", typeToken);
        IReadOnlyList<string>? values = null;
        if (kind is AttributeKind.Enum or AttributeKind.Set)
        {
            if (decl["values"] is JArray arr && arr.Count > 0 && arr.All(v => v.Type == JTokenType.String && ((string)v!).Length > 0))
            {
                values = arr.Select(v => (string)v!).ToArray();
                if (values.Distinct(StringComparer.Ordinal).Count() != values.Count) Fail($"{path}.values", "each value may be listed once", arr);
            }
            else if (kind == AttributeKind.Enum || decl["values"] is not null)
            {
                Fail($"{path}.values", "required for enums: a non-empty array of the allowed strings", decl["values"] ?? decl);
            }
        }
        else if (kind == AttributeKind.Kind)
        {
            values = kinds;
        }
        else if (decl["values"] is { } v)
        {
            Fail($"{path}.values", "only enums and sets list values", v);
        }

        decimal? Number(string field)
        {
            if (decl[field] is not { } t) return null;
            if (kind is not (AttributeKind.Decimal or AttributeKind.Integer))
            {
                Fail($"{path}.{field}", "only decimals and integers have bounds", t);
                return null;
            }

            if (t is JValue { Type: JTokenType.Integer or JTokenType.Float } jv)
            {
                return Convert.ToDecimal(jv.Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            Fail($"{path}.{field}", "expected a number", t);
            return null;
        }

        var minimum = Number("minimum");
        var exclusiveMinimum = Number("exclusiveMinimum");
        var maximum = Number("maximum");

        int Limit(string field, int dflt, int max, bool applies, string who)
        {
            if (decl[field] is not { } t) return dflt;
            if (!applies)
            {
                Fail($"{path}.{field}", $"only {who} have {field}", t);
                return dflt;
            }

            if (t is JValue { Type: JTokenType.Integer } jv && (long)jv! is var n && n >= 1 && n <= max) return (int)n;
            Fail($"{path}.{field}", $"expected a whole number from 1 to {max}", t);
            return dflt;
        }

        var stringLike = kind is AttributeKind.String or AttributeKind.GrantId or AttributeKind.Set;
        var maxLength = Limit("maxLength", CaseLimits.DefaultMaxStringLength, CaseLimits.MaxStringLength, stringLike, "strings and sets");
        var maxItems = Limit("maxItems", CaseLimits.DefaultMaxSetItems, CaseLimits.MaxSetItems, kind == AttributeKind.Set, "sets");

        EntityContract? nested = null;
        if (kind == AttributeKind.Object)
        {
            if (depth >= 3) Fail(path, "objects nest at most three deep", decl);
            else if (decl["attributes"] is JObject attrs) nested = Entity(attrs, $"{path}.attributes", $"{entityPath}.{name}", EntityRole.Nested, kinds, timeZones, add, depth + 1);
            else Fail($"{path}.attributes", "required for objects: the nested object's attributes", decl["attributes"] ?? decl);
            if (nested is null) failed = true;
        }
        else if (decl["attributes"] is { } a)
        {
            Fail($"{path}.attributes", "only objects have attributes", a);
        }

        object? dflt = null;
        if (decl["default"] is { } d && d.Type != JTokenType.Null)
        {
            if (required) Fail($"{path}.default", "a required attribute has no default; drop one or the other", d);
            else if (kind is AttributeKind.Object or AttributeKind.GrantId) Fail($"{path}.default", "objects and grant ids take no default", d);
            else if (Value(kind, values, d, kinds, timeZones, out var value) is { } error) Fail($"{path}.default", error, d);
            else dflt = value;
        }

        if (failed) return null;
        var structural = (role, name) switch
        {
            (EntityRole.Account, "id") => Structural.AccountId,
            (EntityRole.Grant, "id") => Structural.GrantId,
            (EntityRole.Grant, "kind") => Structural.GrantKind,
            (EntityRole.Grant, "remaining") => Structural.GrantRemaining,
            _ => Structural.None,
        };
        var nullable = !required && dflt is null && kind is not (AttributeKind.Set or AttributeKind.Object);
        return new AttributeContract
        {
            Name = name,
            Member = member,
            Kind = kind,
            Required = required,
            Default = dflt,
            Values = values,
            Minimum = minimum,
            ExclusiveMinimum = exclusiveMinimum,
            Maximum = maximum,
            MaxLength = maxLength,
            MaxItems = maxItems,
            Object = nested,
            Description = Text(decl, "description"),
            Structural = structural,
            Index = index,
            ClrType = ContractTypes.ClrType(kind, nullable),
            Utf8Name = Encoding.UTF8.GetBytes(name),
        };
    }

    private static AttributeKind? ParseKind(string type)
    {
        var i = Array.IndexOf(TypeNames, type);
        return i < 0 ? null : (AttributeKind)i;
    }

    /// <summary>Reads a typed value (a default or a constant); null when it fits, else what is wrong.</summary>
    internal static string? Value(AttributeKind kind, IReadOnlyList<string>? values, JToken token, IReadOnlyList<string> kinds, TimeZoneDatabase timeZones, out object? value)
    {
        value = null;
        switch (kind)
        {
            case AttributeKind.String:
                if (token.Type != JTokenType.String || ((string)token!).Length == 0) return "expected a non-empty string";
                value = (string)token!;
                return null;
            case AttributeKind.Enum:
            case AttributeKind.Kind:
                var allowed = kind == AttributeKind.Kind ? kinds : values ?? [];
                if (token.Type != JTokenType.String || !allowed.Contains((string)token!, StringComparer.Ordinal)) return $"expected one of {string.Join(", ", allowed)}";
                value = allowed.First(v => v == (string)token!);
                return null;
            case AttributeKind.TimeZone:
                if (token.Type != JTokenType.String || timeZones.Find((string)token!) is not { } zone) return "expected an IANA time zone id such as \"Etc/UTC\"";
                value = zone.Id;
                return null;
            case AttributeKind.Decimal:
                if (token is not JValue { Type: JTokenType.Integer or JTokenType.Float } n) return "expected a number";
                value = Convert.ToDecimal(n.Value, System.Globalization.CultureInfo.InvariantCulture);
                return null;
            case AttributeKind.Integer:
                if (token is not JValue { Type: JTokenType.Integer } i) return "expected a whole number";
                value = Convert.ToInt64(i.Value, System.Globalization.CultureInfo.InvariantCulture);
                return null;
            case AttributeKind.Boolean:
                if (token.Type != JTokenType.Boolean) return "expected true or false";
                value = (bool)token;
                return null;
            case AttributeKind.Instant:
                if (token.Type != JTokenType.String || !ValueText.TryParseInstant((string)token!, out var instant))
                {
                    return token.Type == JTokenType.String && ValueText.TryParseDate((string)token!, out _)
                        ? $"\"{token}\" is a date; an instant needs a time and an offset, such as \"{token}T00:00:00Z\" (or declare the type date)"
                        : "expected an ISO-8601 instant with offset such as \"2027-01-01T00:00:00Z\"";
                }

                value = instant;
                return null;
            case AttributeKind.Date:
                if (token.Type != JTokenType.String || !ValueText.TryParseDate((string)token!, out var date)) return "expected an ISO-8601 date such as \"2027-01-01\"";
                value = date;
                return null;
            case AttributeKind.Set:
                if (token is not JArray arr || !arr.All(x => x.Type == JTokenType.String && ((string)x!).Length > 0)) return "expected an array of non-empty strings";
                var items = arr.Select(x => (string)x!).ToArray();
                if (values is not null && items.FirstOrDefault(x => !values.Contains(x, StringComparer.Ordinal)) is { } bad) return $"\"{bad}\" is not one of {string.Join(", ", values)}";
                value = StringSet.Of(items);
                return null;
            default:
                return "this type takes no value";
        }
    }

    private static string? Text(JObject o, string name) =>
        o[name] is JValue { Type: JTokenType.String } v && ((string)v!).Trim().Length > 0 ? (string)v! : null;
}

/// <summary>Parses rule-directory JSON files strictly, keeping line numbers for messages.</summary>
internal static class RuleJson
{
    /// <summary>Parses a file as one JSON document: no comments, no repeated names, nothing after it; null (and a problem) when it is not.</summary>
    public static JToken? Parse(string file, byte[] bytes, List<RuleProblem> problems)
    {
        var offset = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes, offset, bytes.Length - offset);
        }
        catch (DecoderFallbackException ex)
        {
            problems.Add(new RuleProblem(file, null, null, $"not valid UTF-8 (byte offset {ex.Index + offset}); rule files are UTF-8 JSON"));
            return null;
        }

        // RFC 8259 first, with the standard's own parser; Json.NET then gives line numbers for the messages that follow.
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(text, new System.Text.Json.JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (System.Text.Json.JsonException ex)
        {
            var message = ex.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            problems.Add(new RuleProblem(file, null, null, "not valid JSON: " + (cut > 0 ? message[..cut] : message).TrimEnd('.', ' '), (int)(ex.LineNumber ?? 0) + 1));
            return null;
        }

        try
        {
            using var reader = new JsonTextReader(new StringReader(text))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Decimal,
                MaxDepth = 64,
            };
            return JToken.ReadFrom(reader, new JsonLoadSettings
            {
                LineInfoHandling = LineInfoHandling.Load,
                DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
                CommentHandling = CommentHandling.Ignore,
            });
        }
        catch (JsonReaderException ex)
        {
            problems.Add(new RuleProblem(file, null, null, $"not valid JSON: {ex.Message}", Math.Max(1, ex.LineNumber)));
            return null;
        }
    }

    public static int? Line(JToken? t) => t is IJsonLineInfo info && info.HasLineInfo() ? info.LineNumber : null;
}
