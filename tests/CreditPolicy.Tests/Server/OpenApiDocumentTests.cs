using System.Net;
using CreditPolicy.Schemas;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NodaTime;

namespace CreditPolicy.Tests.Server;

/// <summary><c>GET /openapi/v1.json</c>: OpenAPI 3.1 for every endpoint, with the case schema of the version in force, held to real responses.</summary>
[Collection(nameof(ServerCollection))]
public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task OpenApi_Document_DescribesEveryEndpointAndStatus()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        using var response = await server.Client.GetAsync("/openapi/v1.json");
        var document = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3.1.0", (string?)document["openapi"]);
        var paths = (JObject)document["paths"]!;
        Assert.Equal(
            ["/v1/decisions", "/v1/explanations", "/v1/decisions/batch", "/v1/rules", "/healthz", "/readyz", "/metrics", "/openapi/v1.json"],
            paths.Properties().Select(p => p.Name));
        Assert.Equal(["200", "400", "401", "408", "413", "415", "503", "500"], ((JObject)paths["/v1/decisions"]!["post"]!["responses"]!).Properties().Select(p => p.Name));
        Assert.Equal("#/components/schemas/Case", (string?)paths["/v1/decisions"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/Decision", (string?)paths["/v1/decisions"]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.All(document.SelectTokens("$..$ref").Select(t => (string)t!), r => Assert.NotNull(document.SelectToken("$.components.schemas." + r["#/components/schemas/".Length..].Replace(".", "\\.", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task OpenApi_CaseSchema_IsTheGeneratedSchemaOfTheVersionInForce()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.VersionedRules);
        var catalogue = server.App.Services.GetRequiredService<ICreditPolicyStatus>().Status.Catalogue;
        var inForce = catalogue.InForceAt(SystemClock.Instance.GetCurrentInstant())!;

        var schemas = (JObject)JObject.Parse(await server.Client.GetStringAsync("/openapi/v1.json"))["components"]!["schemas"]!;

        Assert.True(JToken.DeepEquals(Generated(inForce), schemas["Case"]));
        Assert.All(catalogue.Versions, v => Assert.True(JToken.DeepEquals(Generated(v), schemas["Case." + v.Identity.TermsVersion])));

        static JObject Generated(CreditPolicy.Rules.RuleSet version)
        {
            var schema = SchemaCatalog.Case(version.Contract, version.Identity.TermsVersion);
            schema.Remove("$schema");
            return schema;
        }
    }

    [Fact]
    public async Task OpenApi_Schemas_DescribeEveryCaseAndAnswerOfTheScenarioCorpus()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        var schemas = (JObject)JObject.Parse(await server.Client.GetStringAsync("/openapi/v1.json"))["components"]!["schemas"]!;
        var @case = await Schema(schemas["Case"]!);
        var decision = await Schema(schemas["Decision"]!);
        var explanation = await Schema(schemas["Explanation"]!);
        var problem = await Schema(schemas["Problem"]!);
        var rules = await Schema(schemas["RulesStatus"]!);

        foreach (var (_, file, body) in ScenarioCorpus.Of(TestPaths.Rules))
        {
            Valid(@case, System.Text.Encoding.UTF8.GetString(body), file + " (case)");
            using var decided = await server.PostAsync("/v1/decisions", body);
            Valid(decision, await decided.Content.ReadAsStringAsync(), file + " (decision)");
            using var explained = await server.PostAsync("/v1/explanations", body);
            Valid(explanation, await explained.Content.ReadAsStringAsync(), file + " (explanation)");
        }

        using var invalid = await server.PostAsync("/v1/decisions", """{"asOf": 5}""");
        Valid(problem, await invalid.Content.ReadAsStringAsync(), "invalid-case problem");
        Valid(rules, await server.Client.GetStringAsync("/v1/rules"), "rules status");

        // The schemas are strict: a field the writer does not write is refused.
        Assert.NotEmpty(decision.Validate("""{"outcome":"permit","extra":1}"""));
    }

    /// <summary>A component as NJsonSchema reads it: it skips <c>const</c>, so each becomes the one-value <c>enum</c> it means.</summary>
    private static Task<JsonSchema> Schema(JToken component)
    {
        var copy = component.DeepClone();
        foreach (var constant in copy.SelectTokens("$..const").ToArray())
        {
            var property = (JProperty)constant.Parent!;
            property.AddAfterSelf(new JProperty("enum", new JArray(constant)));
            property.Remove();
        }

        return JsonSchema.FromJsonAsync(copy.ToString());
    }

    private static void Valid(JsonSchema schema, string json, string what)
    {
        var errors = schema.Validate(json);
        Assert.True(errors.Count == 0, $"{what} does not follow its schema: {string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}"))}\n{json}");
    }
}
