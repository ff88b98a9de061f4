using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Schemas;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace CreditPolicy.Tests.Schemas;

public sealed class RuleSchemasTests
{
    private static readonly string SchemaDirectory = Path.Combine(TestPaths.Rules, "schema");

    public static TheoryData<SchemaKind> Kinds() => new(Enum.GetValues<SchemaKind>());

    /// <summary>The 1-based line of the first line of a file containing <paramref name="text"/>.</summary>
    private static int LineOf(string path, string text) => Array.FindIndex(File.ReadAllLines(path), l => l.Contains(text, StringComparison.Ordinal)) + 1;

    [Fact]
    public void ValidateDirectory_BundledRules_EveryFileFollowsItsSchema()
    {
        var problems = RuleSchemas.ValidateDirectory(TestPaths.Rules);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        var files = RuleSchemas.Files(TestPaths.Rules);
        Assert.Contains(("terms.json", SchemaKind.Terms), files);
        Assert.Contains(("use.json", SchemaKind.RuleFile), files);
        Assert.Contains(("tests/deny/refund-denied.json", SchemaKind.Scenario), files);
    }

    [Fact]
    public void ValidateDirectory_VersioningExample_EveryFileFollowsItsSchema()
    {
        var problems = RuleSchemas.ValidateDirectory(TestPaths.VersionedRules);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        var files = RuleSchemas.Files(TestPaths.VersionedRules);
        Assert.Contains(("versions/2026-11-24/terms.json", SchemaKind.Terms), files);
        Assert.Contains(("versions/2027-07-01/use.json", SchemaKind.RuleFile), files);
        Assert.Contains(("versions/2026-11-24/tests/deny/refund-denied.json", SchemaKind.Scenario), files);
        Assert.Contains(("tests/permit/use-pinned-account-keeps-earlier-terms.json", SchemaKind.Scenario), files);
    }

    [Fact]
    public void ValidateFile_BundledExamples_FollowTheCaseSchema()
    {
        var examples = Directory.GetFiles(TestPaths.Examples, "*.json");

        Assert.NotEmpty(examples);
        Assert.All(examples, e => Assert.Empty(RuleSchemas.ValidateFile(e, SchemaKind.Case)));
    }

    [Fact]
    public void ValidateDirectory_EveryBundledFile_ReferencesItsSchemaForEditors()
    {
        foreach (var rules in new[] { TestPaths.Rules, TestPaths.VersionedRules })
        {
            foreach (var (file, kind) in RuleSchemas.Files(rules))
            {
                var reference = (string?)JObject.Parse(File.ReadAllText(Path.Combine(rules, file)))["$schema"];
                Assert.True(reference is not null, $"{file} has no $schema");
                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.Combine(rules, file))!, reference));
                Assert.Equal(Path.Combine(SchemaDirectory, RuleSchemas.FileName(kind)), resolved);
            }
        }

        foreach (var example in Directory.GetFiles(TestPaths.Examples, "*.json"))
        {
            var reference = (string?)JObject.Parse(File.ReadAllText(example))["$schema"];
            Assert.Equal(Path.Combine(SchemaDirectory, "case.schema.json"), Path.GetFullPath(Path.Combine(TestPaths.Examples, reference!)));
        }
    }

    [Fact]
    public void ValidateDirectory_MisspelledRulesEngineField_IsReportedWithFileLineAndPath()
    {
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        var path = Path.Combine(dir, "use.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"Expression\": \"c.Request.RequestedBy != c.Account.Id\"", "\"Expresion\": \"c.Request.RequestedBy != c.Account.Id\"", StringComparison.Ordinal));

        var problems = RuleSchemas.ValidateDirectory(dir);

        var line = LineOf(path, "\"Expresion\"");
        Assert.Contains(new SchemaProblem("use.json", line, null, "Rules[1].Expresion",
            "unknown field 'Expresion'; did you mean 'Expression'? (RulesEngine would silently ignore it)"), problems.Select(p => p with { Column = null }));
        Assert.Contains(problems, p => p is { File: "use.json", Path: "Rules[1].Expression", Message: "required field is missing" });
        Assert.All(problems, p => Assert.Equal("use.json", p.File));
    }

    [Fact]
    public void ValidateDirectory_MisspelledProperty_SuggestsTheConvention()
    {
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        var path = Path.Combine(dir, "use.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"explainExclusions\"", "\"explainExclusion\"", StringComparison.Ordinal));

        var problem = Assert.Single(RuleSchemas.ValidateDirectory(dir));

        Assert.Equal($"use.json:{LineOf(path, "explainExclusion")}: Rules[2].Properties.explainExclusion: unknown field 'explainExclusion'; did you mean 'explainExclusions'? (RulesEngine would silently ignore it)", problem.ToString());
    }

    [Fact]
    public void ValidateDirectory_ScenarioWithAWrongType_IsReportedWithFileLineAndPath()
    {
        var dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        var path = Path.Combine(dir, "tests", "deny", "use-insufficient-credits.json");
        var text = File.ReadAllText(path);
        Assert.Contains("\"requestedBy\": \"acct_1\"", text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace("\"requestedBy\": \"acct_1\"", "\"requestedBy\": 1", StringComparison.Ordinal));

        var problem = Assert.Single(RuleSchemas.ValidateDirectory(dir));

        Assert.Equal("tests/deny/use-insufficient-credits.json", problem.File);
        Assert.Equal(LineOf(path, "\"requestedBy\": 1"), problem.Line);
        Assert.Equal("case.request.requestedBy", problem.Path);
        Assert.Equal("expected a string or null, got the number 1", problem.Message);
    }

    [Fact]
    public void Validate_InstantWithoutOffset_SaysWhatAnInstantIs()
    {
        var json = File.ReadAllText(Path.Combine(TestPaths.Examples, "use.json")).Replace("\"asOf\": \"2026-11-25T10:00:00Z\"", "\"asOf\": \"2026-11-25T10:00:00\"", StringComparison.Ordinal);

        var problem = Assert.Single(RuleSchemas.Validate(json, SchemaKind.Case, "use.json"));

        Assert.Equal("use.json:3: asOf: got the string \"2026-11-25T10:00:00\"; expected an ISO-8601 instant with offset, such as \"2026-11-25T10:00:00Z\" or \"2026-11-25T05:00:00-05:00\"", problem.ToString());
    }

    [Fact]
    public void Validate_GrantRuleWithARequestEffect_NamesBothShapes()
    {
        const string json = """
            { "WorkflowName": "w", "Rules": [ { "RuleName": "r", "Expression": "true", "SuccessEvent": "m",
              "Properties": { "clause": "B.1", "scope": "grant", "effect": "deny" } } ] }
            """;

        var problem = Assert.Single(RuleSchemas.Validate(json, SchemaKind.RuleFile, "w.json"));

        Assert.Equal("Rules[0].Properties", problem.Path);
        Assert.Equal("expected a grant rule (scope grant, effect expiry or exclude, without appliesTo) or a request rule (scope request, effect deny, permit or note, with appliesTo)", problem.Message);
    }

    [Fact]
    public void Validate_UnknownScope_ReportsTheEnumOnlyNotTheShapes()
    {
        const string json = """
            { "WorkflowName": "w", "Rules": [ { "RuleName": "r", "Expression": "true", "SuccessEvent": "m",
              "Properties": { "clause": "B.1", "scope": "grnat", "effect": "expiry" } } ] }
            """;

        var problem = Assert.Single(RuleSchemas.Validate(json, SchemaKind.RuleFile, "w.json"));

        Assert.Equal("w.json:2: Rules[0].Properties.scope: expected one of grant, request, got the string \"grnat\"", problem.ToString());
    }

    [Fact]
    public void Validate_NotJson_ReportsTheLine()
    {
        var problem = Assert.Single(RuleSchemas.Validate("{\n  \"termsVersion\": \"1\"\n  \"title\": \"t\"\n}", SchemaKind.Terms, "terms.json"));

        Assert.Equal("terms.json", problem.File);
        Assert.Equal(3, problem.Line);
        Assert.StartsWith("not valid JSON: ", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Text_EverySchema_IsValidDraft07AndTheFileEditorsUse(SchemaKind kind)
    {
        var meta = await JsonSchema.FromFileAsync(Path.Combine(TestPaths.RepositoryRoot, "tests", "CreditPolicy.Tests", "Schemas", "draft-07-strict.schema.json"));
        var text = RuleSchemas.Text(kind);

        var errors = new JsonSchemaValidator().Validate(JToken.Parse(text), meta);

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        Assert.Equal(File.ReadAllText(Path.Combine(SchemaDirectory, RuleSchemas.FileName(kind))), text);
    }

    [Fact]
    public async Task Text_StrictMetaSchema_RejectsAMisspeltKeyword()
    {
        // The meta-schema test above can fail: a typo such as additionalProperty would silently allow unknown fields.
        var meta = await JsonSchema.FromFileAsync(Path.Combine(TestPaths.RepositoryRoot, "tests", "CreditPolicy.Tests", "Schemas", "draft-07-strict.schema.json"));

        var errors = new JsonSchemaValidator().Validate(JToken.Parse("""{ "type": "object", "additionalProperty": false }"""), meta);

        Assert.Contains(errors, e => e.Kind == ValidationErrorKind.NoAdditionalPropertiesAllowed && e.Property == "additionalProperty");
    }

    [Fact]
    public void Text_Enums_AreTheLibrarysVocabulary()
    {
        var rule = JObject.Parse(RuleSchemas.Text(SchemaKind.RuleFile))["definitions"]!["properties"]!["properties"]!;
        var @case = JObject.Parse(RuleSchemas.Text(SchemaKind.Case))["definitions"]!;

        Assert.Equal([RuleConventions.Scopes.Grant, RuleConventions.Scopes.Request], Enum(rule["scope"]!));
        Assert.Equal([RuleConventions.Effects.Expiry, RuleConventions.Effects.Exclude, RuleConventions.Effects.Deny, RuleConventions.Effects.Permit, RuleConventions.Effects.Note], Enum(rule["effect"]!));
        Assert.Equal(RuleConventions.Products.All, Enum(rule["produces"]!));
        Assert.Equal(RequestTypes.All, Enum(rule["appliesTo"]!["items"]!));
        Assert.Equal(RequestTypes.All, Enum(@case["request"]!["properties"]!["type"]!));
        Assert.Equal(GrantKinds.All, Enum(@case["grant"]!["properties"]!["kind"]!));
        Assert.Equal(GrantSources.All, Enum(@case["grant"]!["properties"]!["source"]!));
        Assert.Equal(AccountStatuses.All, Enum(@case["account"]!["properties"]!["status"]!));

        static string[] Enum(JToken t) => t["enum"]!.Where(v => v.Type == JTokenType.String).Select(v => (string)v!).ToArray();
    }

    [Fact]
    public void Text_RuleProperties_AreTheConventionsTheLoaderReads()
    {
        var schema = JObject.Parse(RuleSchemas.Text(SchemaKind.RuleFile));
        var names = ((JObject)schema["definitions"]!["properties"]!["properties"]!).Properties().Select(p => p.Name);

        string[] conventions =
        [
            RuleConventions.Clause, RuleConventions.Scope, RuleConventions.Effect, RuleConventions.AppliesTo, RuleConventions.Status,
            RuleConventions.ExpiresAt, RuleConventions.Produces, RuleConventions.DrawOrder, RuleConventions.Forfeit, RuleConventions.Amount,
            RuleConventions.ChargeOn, RuleConventions.ExplainExclusions, RuleConventions.Description,
        ];
        Assert.Equal(conventions.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_ScenarioCase_IsCheckedAgainstTheCaseSchema()
    {
        var problems = RuleSchemas.Validate("""{ "case": { "asOf": "2026-11-25T10:00:00Z" }, "expect": { "reasons": [] } }""", SchemaKind.Scenario, "s.json");

        Assert.Equal(["case.account", "case.grants", "case.request"], problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.All(problems, p => Assert.Equal("required field is missing", p.Message));
    }
}
