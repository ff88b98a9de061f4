using System.Globalization;
using System.Reflection;
using CreditPolicy.FileSystem;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Generation;
using NJsonSchema.References;
using NJsonSchema.Validation;

namespace CreditPolicy.Schemas;

/// <summary>Validates rule files, <c>terms.json</c>, <c>vocabulary.json</c> and scenarios against CreditPolicy's JSON Schemas, reporting every problem with file, line and path.</summary>
/// <remarks>
/// The schemas are generated from the code that loads the files (<see cref="SchemaCatalog"/>), so a check always uses
/// the schemas of the CreditPolicy version that will run the rules, whatever a file's <c>$schema</c> says (that reference
/// is for editors, and <c>check</c> fails when the copies in a rule directory's <c>schema/</c> are out of date). Unknown
/// fields are errors everywhere: a misspelt RulesEngine field such as <c>Expresion</c> is silently ignored by RulesEngine.
/// </remarks>
internal static class RuleSchemas
{
    private static readonly Lazy<IReadOnlyDictionary<SchemaKind, JsonSchema>> Schemas = new(LoadAll);

    /// <summary>The schema's file name in a <c>schema/</c> folder, for example <c>rule-file.schema.json</c>.</summary>
    public static string FileName(SchemaKind kind) => kind switch
    {
        SchemaKind.RuleFile => "rule-file.schema.json",
        SchemaKind.Terms => "terms.schema.json",
        SchemaKind.Vocabulary => "vocabulary.schema.json",
        SchemaKind.Scenario => "scenario.schema.json",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a schema kind"),
    };

    /// <summary>The text of a schema, as generated.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thrown when <paramref name="kind"/> is not a schema kind.</exception>
    public static string Text(SchemaKind kind) => SchemaCatalog.Text(kind switch
    {
        SchemaKind.RuleFile => SchemaCatalog.RuleFile(),
        SchemaKind.Terms => SchemaCatalog.Terms(),
        SchemaKind.Vocabulary => SchemaCatalog.Vocabulary(),
        SchemaKind.Scenario => SchemaCatalog.Scenario(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a schema kind"),
    });

    /// <summary>Validates every file of a rule directory: <c>terms.json</c>, each rule file, and each scenario under <c>tests/</c>.</summary>
    /// <remarks>
    /// Files are read as the loader reads them (see <see cref="RuleCatalogue.Load(string, Model.TimeZoneDatabase?)"/>). Entries that may not be read at
    /// all (a FIFO or device, a file over the size limit, a link leaving the directory) come first, at path <c>$</c>; then
    /// problems in file order (ordinal), then line order. Files are named relative to <paramref name="rulesDirectory"/>, with <c>/</c>.
    /// </remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="rulesDirectory"/> is null.</exception>
    public static IReadOnlyList<SchemaProblem> ValidateDirectory(string rulesDirectory)
    {
        ArgumentNullException.ThrowIfNull(rulesDirectory);
        return ValidateDirectory(rulesDirectory, RuleDirectorySnapshot.Read(rulesDirectory));
    }

    /// <summary>Validates every file of a snapshot of a rule directory, as <see cref="ValidateDirectory(string)"/> does.</summary>
    internal static IReadOnlyList<SchemaProblem> ValidateDirectory(string rulesDirectory, RuleDirectorySnapshot tree)
    {
        if (tree.Missing is { } missing) return [new SchemaProblem(rulesDirectory, null, null, "$", missing)];
        var problems = tree.Problems.Select(p => new SchemaProblem(p.File, null, null, "$", p.Message)).ToList();
        foreach (var (file, kind) in Files(tree))
        {
            problems.AddRange(Validate(Text(tree.Bytes(file)), kind, file));
        }

        return problems;
    }

    /// <summary>The files of a rule directory and the schema each follows, in the order <see cref="ValidateDirectory(string)"/> checks them.</summary>
    /// <remarks>
    /// A single-version directory holds <c>terms.json</c>, rule files and <c>tests/</c>; a directory of several versions
    /// holds <c>versions/&lt;termsVersion&gt;/</c>, each laid out the same way, and <c>tests/</c> for scenarios across versions.
    /// </remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="rulesDirectory"/> is null.</exception>
    public static IReadOnlyList<(string File, SchemaKind Kind)> Files(string rulesDirectory)
    {
        ArgumentNullException.ThrowIfNull(rulesDirectory);
        return Files(RuleDirectorySnapshot.Read(rulesDirectory));
    }

    private static List<(string File, SchemaKind Kind)> Files(RuleDirectorySnapshot tree)
    {
        var files = new List<(string, SchemaKind)>();
        if (!tree.Exists) return files;
        AddVersion("");
        foreach (var version in tree.FoldersIn(RuleConventions.VersionsFolder))
        {
            AddVersion($"{RuleConventions.VersionsFolder}/{version}/");
        }

        return files;

        void AddVersion(string prefix)
        {
            foreach (var name in tree.FilesIn(prefix))
            {
                files.Add((prefix + name, name == RuleConventions.TermsFile ? SchemaKind.Terms : name == RuleConventions.VocabularyFile ? SchemaKind.Vocabulary : SchemaKind.RuleFile));
            }

            var tests = prefix + Scenarios.ScenarioRunner.TestsFolder;
            files.AddRange(tree.FilesUnder(tests).Select(p => ($"{tests}/{p}", SchemaKind.Scenario)));
        }
    }

    /// <summary>Validates one file against a schema; <paramref name="displayName"/> names it in problems (default: the path).</summary>
    /// <remarks>The file is read as a rule directory's files are: only a regular file, of at most 1 MiB.</remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="path"/> is null.</exception>
    public static IReadOnlyList<SchemaProblem> ValidateFile(string path, SchemaKind kind, string? displayName = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = displayName ?? path;
        if (!RegularFile.TryReadAll(path, RuleDirectoryLimits.Default.MaxFileBytes, out var bytes, out var problem))
        {
            return [new SchemaProblem(name, null, null, "$", problem!)];
        }

        return Validate(Text(bytes), kind, name);
    }

    /// <summary>Decodes a file as <see cref="File.ReadAllText(string)"/> does: UTF-8 unless a byte-order mark says otherwise.</summary>
    private static string Text(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>Validates JSON text against a schema, naming the source <paramref name="file"/> in every problem.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="json"/> or <paramref name="file"/> is null.</exception>
    public static IReadOnlyList<SchemaProblem> Validate(string json, SchemaKind kind, string file)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(file);
        JToken token;
        try
        {
            using var reader = new JsonTextReader(new StringReader(json))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Decimal,
                MaxDepth = 64,
            };
            token = JToken.ReadFrom(reader, new JsonLoadSettings
            {
                LineInfoHandling = LineInfoHandling.Load,
                DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
                CommentHandling = CommentHandling.Ignore,
            });
            if (reader.Read()) return [new SchemaProblem(file, reader.LineNumber, reader.LinePosition, "$", "unexpected content after the JSON document")];
        }
        catch (JsonReaderException ex)
        {
            var message = ex.Message;
            var cut = message.IndexOf(" Path '", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            return [new SchemaProblem(file, ex.LineNumber, ex.LinePosition, string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path, "not valid JSON: " + message.TrimEnd('.', ' '))];
        }

        var schema = Schemas.Value[kind];
        var errors = new JsonSchemaValidator().Validate(token, schema);
        var problems = new List<(SchemaProblem Problem, bool Shape)>();
        foreach (var error in errors) Flatten(error, kind, file, problems);

        // A "none of these shapes" problem on an object says nothing new when something inside it is already reported.
        return problems
            .Where(p => !p.Shape || !problems.Any(q => !q.Shape && IsWithin(q.Problem.Path, p.Problem.Path)))
            .Select(p => kind == SchemaKind.RuleFile ? InRule(p.Problem, token) : p.Problem)
            .Distinct()
            .OrderBy(p => p.Line ?? 0)
            .ThenBy(p => p.Column ?? 0)
            .ThenBy(p => p.Path, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>A problem inside <c>Rules[i]</c> names the workflow and the rule, as the loader's problems do, so a rule is found by its name.</summary>
    private static SchemaProblem InRule(SchemaProblem problem, JToken file)
    {
        if (!problem.Path.StartsWith("Rules[", StringComparison.Ordinal)) return problem;
        var end = problem.Path.IndexOf(']', StringComparison.Ordinal);
        if (end < 0 || !int.TryParse(problem.Path.AsSpan(6, end - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return problem;
        var rule = file["Rules"] is JArray rules && index < rules.Count && rules[index] is JObject r && r["RuleName"] is JValue { Type: JTokenType.String } name ? (string?)name : null;
        var workflow = file["WorkflowName"] is JValue { Type: JTokenType.String } w ? (string?)w : null;
        return rule is null ? problem : problem with { Workflow = workflow, Rule = rule };
    }

    private static readonly HashSet<ValidationErrorKind> TypeMismatches =
    [
        ValidationErrorKind.StringExpected, ValidationErrorKind.NumberExpected, ValidationErrorKind.IntegerExpected,
        ValidationErrorKind.BooleanExpected, ValidationErrorKind.ObjectExpected, ValidationErrorKind.ArrayExpected,
        ValidationErrorKind.NullExpected,
    ];

    private static bool IsWithin(string path, string parent) =>
        parent == "$" || path == parent || path.StartsWith(parent + ".", StringComparison.Ordinal) || path.StartsWith(parent + "[", StringComparison.Ordinal);

    private static void Flatten(ValidationError error, SchemaKind kind, string file, List<(SchemaProblem, bool)> problems)
    {
        if (error is ChildSchemaValidationError child && error.Kind is not (ValidationErrorKind.NotOneOf or ValidationErrorKind.NotAnyOf))
        {
            foreach (var nested in child.Errors.Values.SelectMany(e => e)) Flatten(nested, kind, file, problems);
            return;
        }

        // "string or null" given a string that breaks the string's pattern: report the pattern, not the types.
        if (error is MultiTypeValidationError multi)
        {
            var matched = multi.Errors.Values.FirstOrDefault(list => list.Count > 0 && !list.Any(e => TypeMismatches.Contains(e.Kind)));
            if (matched is not null)
            {
                foreach (var nested in matched) Flatten(nested, kind, file, problems);
                return;
            }
        }

        var path = JsonPath(error.Path);
        var problem = new SchemaProblem(file, error.HasLineInfo ? error.LineNumber : null, error.HasLineInfo ? error.LinePosition : null, path, Message(error, kind));
        problems.Add((problem, error.Kind is ValidationErrorKind.NotOneOf or ValidationErrorKind.NotAnyOf));
    }

    private static string JsonPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "#") return "$";
        return path.StartsWith("#/", StringComparison.Ordinal) ? path[2..] : path;
    }

    private static string Message(ValidationError e, SchemaKind kind)
    {
        var schema = e.Schema;
        var got = Describe(e.Token);
        switch (e.Kind)
        {
            case ValidationErrorKind.NoAdditionalPropertiesAllowed:
                var known = schema?.Properties.Keys.Where(k => k != "$schema").ToArray() ?? [];
                var near = known.FirstOrDefault(k => Spelling.IsNear(k, e.Property ?? ""));
                var ignored = kind == SchemaKind.RuleFile ? " (RulesEngine would silently ignore it)" : "";
                return near is not null
                    ? $"unknown field '{e.Property}'; did you mean '{near}'?{ignored}"
                    : $"unknown field '{e.Property}'{ignored}; expected one of {string.Join(", ", known)}";
            case ValidationErrorKind.PropertyRequired:
                return "required field is missing";
            case ValidationErrorKind.NotInEnumeration:
                var allowed = schema?.Enumeration.Where(v => v is not null).Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)) ?? [];
                return $"expected one of {string.Join(", ", allowed)}, got {got}";
            case ValidationErrorKind.StringExpected: return $"expected a string, got {got}";
            case ValidationErrorKind.NumberExpected: return $"expected a number, got {got}";
            case ValidationErrorKind.IntegerExpected: return $"expected an integer, got {got}";
            case ValidationErrorKind.BooleanExpected: return $"expected true or false, got {got}";
            case ValidationErrorKind.ObjectExpected: return $"expected an object, got {got}";
            case ValidationErrorKind.ArrayExpected: return $"expected an array, got {got}";
            case ValidationErrorKind.NullExpected: return $"expected null, got {got}";
            case ValidationErrorKind.NoTypeValidates:
                return $"expected {string.Join(" or ", TypeNames(schema?.Type ?? JsonObjectType.None))}, got {got}";
            case ValidationErrorKind.StringTooShort: return "expected a non-empty string";
            case ValidationErrorKind.StringTooLong when e.Token?.Type == JTokenType.String && schema?.MaxLength is { } most:
                return string.Create(CultureInfo.InvariantCulture, $"has {((string)e.Token!).Length:N0} characters; at most {most:N0} are allowed");
            case ValidationErrorKind.PatternMismatch:
                return schema?.Description is { Length: > 0 } description ? $"got {got}; expected {Lower(description)}" : $"got {got}, which does not match {schema?.Pattern}";
            case ValidationErrorKind.TooFewItems: return $"expected at least {schema?.MinItems} item(s)";
            case ValidationErrorKind.ItemsNotUnique: return "items must not repeat";
            case ValidationErrorKind.NumberTooSmall:
                return schema?.ExclusiveMinimum is { } exclusive ? $"must be greater than {exclusive}, got {got}" : $"must be at least {schema?.Minimum}, got {got}";
            case ValidationErrorKind.NotOneOf:
            case ValidationErrorKind.NotAnyOf:
                var shapes = schema is null ? [] : (e.Kind == ValidationErrorKind.NotOneOf ? schema.OneOf : schema.AnyOf).Select(s => s.Title ?? "").ToArray();
                return "expected " + string.Join(" or ", shapes);
            default:
                return $"{e.Kind} (got {got})";
        }
    }

    private static string Lower(string description) => description.Length > 0 ? char.ToLowerInvariant(description[0]) + description[1..].TrimEnd('.') : description;

    private static IEnumerable<string> TypeNames(JsonObjectType type)
    {
        foreach (var (flag, name) in new[] { (JsonObjectType.String, "a string"), (JsonObjectType.Number, "a number"), (JsonObjectType.Integer, "an integer"), (JsonObjectType.Boolean, "true or false"), (JsonObjectType.Object, "an object"), (JsonObjectType.Array, "an array"), (JsonObjectType.Null, "null") })
        {
            if (type.HasFlag(flag)) yield return name;
        }
    }

    private static string Describe(JToken? t) => t?.Type switch
    {
        null => "nothing",
        JTokenType.String => $"the string \"{Truncate((string)t!)}\"",
        JTokenType.Integer or JTokenType.Float => "the number " + Truncate(Convert.ToString(((JValue)t).Value, CultureInfo.InvariantCulture) ?? ""),
        JTokenType.Boolean => (bool)t ? "true" : "false",
        JTokenType.Array => "an array",
        JTokenType.Object => "an object",
        JTokenType.Property => $"'{((JProperty)t).Name}'",
        JTokenType.Null => "null",
        _ => t.Type.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static IReadOnlyDictionary<SchemaKind, JsonSchema> LoadAll() =>
        Enum.GetValues<SchemaKind>().ToDictionary(k => k, k => JsonSchema.FromJsonAsync(Text(k)).GetAwaiter().GetResult());
}
