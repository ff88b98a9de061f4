using System.Net.Http.Headers;
using System.Text;
using CreditPolicy.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Server;

/// <summary>
/// Server tests run one after another: each server exports the metrics of every server in the process that shares its meter's name.
/// </summary>
[CollectionDefinition(nameof(ServerCollection))]
public sealed class ServerCollection;

/// <summary>
/// The server exactly as <c>creditpolicy serve</c> builds it (<see cref="CreditPolicyServer.Create"/>), on an in-memory
/// test server instead of a socket.
/// </summary>
/// <remarks>
/// The server is a library that builds a <see cref="WebApplication"/>, not a web project with an entry point, so
/// <c>WebApplicationFactory</c> (which starts an entry point's <c>Main</c>) has nothing to start; the same builder with
/// Kestrel swapped for <see cref="TestServer"/> is what it would give.
/// </remarks>
internal sealed class InProcessServer : IAsyncDisposable
{
    private InProcessServer(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    /// <summary>Builds and starts a server over <paramref name="rules"/>.</summary>
    public static async Task<InProcessServer> StartAsync(
        string rules,
        Action<CreditPolicyServerOptions>? options = null,
        Action<CreditPolicyOptions>? policy = null,
        Action<WebApplicationBuilder>? builder = null)
    {
        var serverOptions = new CreditPolicyServerOptions { Urls = "http://127.0.0.1:0" };
        options?.Invoke(serverOptions);
        var app = CreditPolicyServer.Create(
            serverOptions,
            p =>
            {
                p.RulesDirectory = rules;

                // Tests edit rule directories and wait for the reload; the watcher is backed by a fast poll here.
                p.ReloadDebounce = TimeSpan.FromMilliseconds(50);
                p.PollInterval = TimeSpan.FromMilliseconds(200);
                policy?.Invoke(p);
            },
            b =>
            {
                b.WebHost.UseTestServer();
                builder?.Invoke(b);
            });
        await app.StartAsync();
        var client = app.GetTestClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        return new InProcessServer(app, client);
    }

    /// <summary>POSTs bytes with a content type (none when null).</summary>
    public Task<HttpResponseMessage> PostAsync(string path, byte[] body, string? contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return Client.PostAsync(path, content);
    }

    public Task<HttpResponseMessage> PostAsync(string path, string body, string? contentType = "application/json") =>
        PostAsync(path, Encoding.UTF8.GetBytes(body), contentType);

    /// <summary>JSON text as a <see cref="JObject"/>, strings kept as strings (instants too).</summary>
    public static JObject Json(string text)
    {
        using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None };
        return JObject.Load(reader);
    }

    /// <summary>The sum of a Prometheus metric's samples whose labels include <paramref name="labels"/>; null when none does.</summary>
    public async Task<double?> MetricAsync(string name, params (string Label, string Value)[] labels) =>
        Metric(await Client.GetStringAsync("/metrics"), name, labels);

    /// <summary>The sum of a metric's samples in Prometheus text whose labels include <paramref name="labels"/>; null when none does.</summary>
    public static double? Metric(string text, string name, params (string Label, string Value)[] labels)
    {
        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || (line[name.Length] != '{' && line[name.Length] != ' ')) continue;
            var labelText = line[name.Length] == '{' ? line[(name.Length + 1)..line.IndexOf('}', StringComparison.Ordinal)] : "";
            if (!labels.All(l => labelText.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal))) continue;
            var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            if (line[name.Length] == ' ') value = line[(name.Length + 1)..].Split(' ')[0];
            sum = (sum ?? 0) + double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return sum;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
