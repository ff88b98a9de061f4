using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Server;

/// <summary><c>GET /v1/rules</c>, <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>, and hot reload as they show it.</summary>
[Collection(nameof(ServerCollection))]
public sealed class StatusEndpointsTests
{
    private static readonly TimeSpan ReloadWait = TimeSpan.FromSeconds(60);

    private static byte[] UseCase => File.ReadAllBytes(Path.Combine(TestPaths.Examples, "use.json"));

    [Fact]
    public async Task Rules_VersionedDirectory_EveryVersionWithEffectiveFromDigestAndSince()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.VersionedRules);
        var catalogue = server.App.Services.GetRequiredService<ICreditPolicyStatus>().Status.Catalogue;

        var status = InProcessServer.Json(await server.Client.GetStringAsync("/v1/rules"));

        Assert.True((bool)status["healthy"]!);
        Assert.Equal(catalogue.Identity.Digest, (string?)status["digest"]);
        Assert.Equal(catalogue.TimeZones.Version, (string?)status["tzdb"]);
        Assert.Equal(JTokenType.Null, status["lastReload"]!.Type);
        var versions = ((JArray)status["versions"]!).Cast<JObject>().ToArray();
        Assert.Equal([TestPaths.CurrentVersion, TestPaths.LaterVersion], versions.Select(v => (string?)v["termsVersion"]));
        Assert.Equal(["2026-11-24T00:00:00Z", "2027-07-01T00:00:00Z"], versions.Select(v => (string?)v["effectiveFrom"]));
        Assert.Equal(catalogue.Versions.Select(v => v.Identity.Digest), versions.Select(v => (string?)v["digest"]));
        Assert.All(versions, v => Assert.Equal((string?)status["servingSince"], (string?)v["servingSince"]));
        Assert.Single(versions, v => (bool)v["inForce"]!);
    }

    [Fact]
    public async Task Probes_Running_LiveAndReady()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        using var live = await server.Client.GetAsync("/healthz");
        using var ready = await server.Client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("""{"status":"live"}""", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"ready"}""", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_Stopping_503SoThatTrafficMovesAway()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        // Stopping is announced before the server stops listening; nothing here stops the test server itself.
        server.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        using var ready = await server.Client.GetAsync("/readyz");
        using var live = await server.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("""{"status":"stopping"}""", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Metrics_AfterDecisions_PrometheusTextByOutcomeClauseAndLatency()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        using (var use = await server.PostAsync("/v1/decisions", UseCase))
        using (var refund = await server.PostAsync("/v1/decisions", File.ReadAllBytes(Path.Combine(TestPaths.Examples, "refund.json"))))
        {
            Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        }

        using var response = await server.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        var digest = server.App.Services.GetRequiredService<ICreditPolicyStatus>().Status.Catalogue.Identity.Digest;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, InProcessServer.Metric(text, "creditpolicy_decisions_total", ("endpoint", "decisions"), ("outcome", "permit")));
        Assert.Equal(1, InProcessServer.Metric(text, "creditpolicy_decisions_total", ("endpoint", "decisions"), ("outcome", "deny")));
        Assert.Equal(1, InProcessServer.Metric(text, "creditpolicy_decision_clauses_total", ("outcome", "deny"), ("clause", "B.1")));
        Assert.Equal(1, InProcessServer.Metric(text, "creditpolicy_decision_clauses_total", ("outcome", "permit"), ("clause", "A.1")));
        Assert.Equal(2, InProcessServer.Metric(text, "creditpolicy_decision_duration_seconds_count", ("endpoint", "decisions")));
        Assert.Equal(2, InProcessServer.Metric(text, "creditpolicy_decision_duration_seconds_bucket", ("endpoint", "decisions"), ("le", "+Inf")));
        Assert.Equal(1, InProcessServer.Metric(text, "creditpolicy_rules_serving", ("terms_version", TestPaths.CurrentVersion), ("digest", digest)));
        Assert.Equal(1, InProcessServer.Metric(text, "creditpolicy_rules_healthy"));
        Assert.Contains("# TYPE creditpolicy_decision_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.NotNull(InProcessServer.Metric(text, "http_server_request_duration_seconds_count", ("http_route", "/v1/decisions")));
    }

    [Fact]
    public async Task HotReload_BadEditThenGoodEdit_LastGoodServesUntilTheGoodEditTakesOver()
    {
        using var rules = new TempRuleDirectory();
        await using var server = await InProcessServer.StartAsync(rules.Path);
        var first = server.App.Services.GetRequiredService<ICreditPolicyStatus>().Status.Catalogue.Identity.Digest;
        var since = (string?)InProcessServer.Json(await server.Client.GetStringAsync("/v1/rules"))["servingSince"];

        var original = rules.Read("cash-value.json");

        // A bad edit: the expression no longer compiles.
        rules.SetExpression("cash-value.json", "refund-denied", "c.Request.NoSuchField == 1");
        var rejected = await WaitForReload(server, "rejected");

        Assert.False((bool)rejected["healthy"]!);
        Assert.Equal(first, (string?)rejected["digest"]);
        Assert.Equal(since, (string?)rejected["servingSince"]);
        Assert.Contains(((JArray)rejected["lastReload"]!["problems"]!).Cast<JObject>(), p => (string?)p["file"] == "cash-value.json" && (string?)p["rule"] == "refund-denied");
        using (var decided = await server.PostAsync("/v1/decisions", UseCase))
        {
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
            Assert.Equal(first, (string?)InProcessServer.Json(await decided.Content.ReadAsStringAsync())["rules"]!["digest"]);
        }

        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.True(InProcessServer.Metric(metrics, "creditpolicy_reloads_total", ("result", "rejected")) >= 1, metrics);
        Assert.Equal(0, InProcessServer.Metric(metrics, "creditpolicy_rules_healthy"));
        Assert.Equal(1, InProcessServer.Metric(metrics, "creditpolicy_rules_serving", ("digest", first)));

        // A good edit, in one write: the rule as it was, and the workflow's description, which every check accepts and the digest covers.
        var good = InProcessServer.Json(original);
        good["Description"] = "Edited while serving.";
        rules.Write("cash-value.json", good.ToString());
        var replaced = await WaitForReload(server, "replaced");
        var second = (string?)replaced["digest"];

        Assert.True((bool)replaced["healthy"]!);
        Assert.NotEqual(first, second);
        Assert.Equal(second, server.App.Services.GetRequiredService<ICreditPolicyStatus>().Status.Catalogue.Identity.Digest);
        using (var decided = await server.PostAsync("/v1/decisions", UseCase))
        {
            Assert.Equal(second, (string?)InProcessServer.Json(await decided.Content.ReadAsStringAsync())["rules"]!["digest"]);
        }

        metrics = await server.Client.GetStringAsync("/metrics");
        Assert.True(InProcessServer.Metric(metrics, "creditpolicy_reloads_total", ("result", "replaced")) >= 1, metrics);
        Assert.Equal(1, InProcessServer.Metric(metrics, "creditpolicy_rules_healthy"));
        Assert.Equal(1, InProcessServer.Metric(metrics, "creditpolicy_rules_serving", ("digest", second!)));
        Assert.Equal(0, InProcessServer.Metric(metrics, "creditpolicy_rules_serving", ("digest", first)));
    }

    [Fact]
    public async Task Endpoints_None_ChangesTheRules()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        var digest = server.App.Services.GetRequiredService<ICreditPolicyStatus>().Status.Catalogue.Identity.Digest;

        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Post, HttpMethod.Delete, HttpMethod.Patch })
        {
            using var response = await server.Client.SendAsync(new HttpRequestMessage(method, "/v1/rules") { Content = new StringContent("{}") });
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }

        Assert.Equal(digest, server.App.Services.GetRequiredService<ICreditPolicyStatus>().Status.Catalogue.Identity.Digest);
    }

    /// <summary>Polls <c>/v1/rules</c> until its last reload has the result (the watcher and the poll drive the reload).</summary>
    private static async Task<JObject> WaitForReload(InProcessServer server, string result)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = InProcessServer.Json(await server.Client.GetStringAsync("/v1/rules"));
            if (status["lastReload"] is JObject last && (string?)last["result"] == result) return status;
            Assert.True(clock.Elapsed < ReloadWait, $"no '{result}' reload within {ReloadWait.TotalSeconds} s; last status:\n{status}");
            await Task.Delay(100);
        }
    }
}
