using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CreditPolicy.Tests.Cli;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Server;

/// <summary>
/// The real <c>creditpolicy serve</c> process over loopback HTTP: it answers, it drains requests in flight on SIGTERM and
/// exits 0, and a client in another language written against its OpenAPI document works with it.
/// </summary>
[Collection(nameof(ServerCollection))]
public sealed class ServeProcessTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    private static string Example(string name) => Path.Combine(TestPaths.Examples, name);

    private static string OneLine(string example) =>
        JObject.Parse(File.ReadAllText(Example(example))).ToString(Newtonsoft.Json.Formatting.None);

    [Fact]
    public async Task Serve_Sigterm_EveryAcceptedRequestAnsweredWholeAndExitZero()
    {
        using var server = await ServeProcess.StartAsync("--rules", TestPaths.Rules);
        using var client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(120) };
        var expected = (await CliRunner.Run(File.ReadAllBytes(Example("use.json")), "evaluate", "-", "--compact", "--rules", TestPaths.Rules)).Out.TrimEnd('\n');

        using (var first = await Post(client, "/v1/decisions", File.ReadAllBytes(Example("use.json")), "application/json"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(expected, await first.Content.ReadAsStringAsync());
        }

        // Long batches in flight when SIGTERM comes (their readers pause, so the server cannot have finished writing):
        // each must still be answered to its last line.
        const int BatchLines = 5_000;
        var batchBody = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(OneLine("use.json") + "\n", BatchLines)));
        var batchesStarted = new CountdownEvent(2);
        var batches = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            using var content = new ByteArrayContent(batchBody);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions/batch") { Content = content };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var lines = 0;
            var complete = true;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (++lines == 1)
                {
                    batchesStarted.Signal();
                    await Task.Delay(1000);
                }

                complete &= line.StartsWith($"{{\"line\":{lines},", StringComparison.Ordinal) && line.EndsWith("}}", StringComparison.Ordinal);
            }

            return (response.StatusCode, lines, complete);
        })).ToArray();

        // And single decisions on fresh connections, before and after the signal.
        using var stop = new CancellationTokenSource();
        var singles = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var results = new List<(bool Answered, bool Whole)>();
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions") { Content = new ByteArrayContent(File.ReadAllBytes(Example("use.json"))) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.ConnectionClose = true;
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                }
                catch (HttpRequestException)
                {
                    // Not accepted: the server had stopped listening.
                    results.Add((false, true));
                    await Task.Delay(20);
                    continue;
                }

                using (response)
                {
                    // Accepted: the answer must be whole.
                    var body = await response.Content.ReadAsStringAsync();
                    results.Add((true, response.StatusCode == HttpStatusCode.OK && body == expected));
                }
            }

            return results;
        })).ToArray();

        Assert.True(batchesStarted.Wait(TimeSpan.FromSeconds(90)), "the batches did not start answering");
        server.Terminate();
        var exit = await server.WaitForExitAsync(ExitTimeout);
        stop.Cancel();

        var batchResults = await Task.WhenAll(batches);
        var singleResults = (await Task.WhenAll(singles)).SelectMany(r => r).ToArray();
        Assert.True(exit == 0, $"exit {exit}\n{server.Stderr}");
        Assert.All(batchResults, b => Assert.Equal((HttpStatusCode.OK, BatchLines, true), b));
        Assert.Contains(singleResults, r => r.Answered);
        Assert.All(singleResults, r => Assert.True(r.Whole, "an accepted request was not answered whole"));
        Assert.Contains("Application is shutting down", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PythonClient_AgainstTheRealServer_PrintsTheDecisionAndRefusesAnInvalidCase()
    {
        var token = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"), "token");
        Directory.CreateDirectory(Path.GetDirectoryName(token)!);
        await File.WriteAllTextAsync(token, "python-client-test-token-0123456789\n");
        var invalid = Path.Combine(Path.GetDirectoryName(token)!, "invalid.json");
        var use = JObject.Parse(File.ReadAllText(Example("use.json")));
        ((JObject)use["grants"]![0]!)["remaining"] = "forty";
        await File.WriteAllTextAsync(invalid, use.ToString());
        using var server = await ServeProcess.StartAsync("--rules", TestPaths.Rules, "--token-file", token);
        var expected = (await CliRunner.Run(File.ReadAllBytes(Example("use.json")), "evaluate", "-", "--compact", "--rules", TestPaths.Rules)).Out;
        var script = Path.Combine(TestPaths.RepositoryRoot, "examples", "clients", "python", "creditpolicy_client.py");

        var decided = await Python(script, "--url", server.Url.ToString(), "--token-file", token, Example("use.json"));
        var refused = await Python(script, "--url", server.Url.ToString(), "--token-file", token, invalid);
        var unauthorized = await Python(script, "--url", server.Url.ToString(), Example("use.json"));

        Assert.True(decided.Exit == 0, decided.Err);
        Assert.Equal(expected, decided.Out);
        Assert.Equal("permit under terms 2026-11-24: use-draws-credits (A.1)\n", decided.Err);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("  grants[0].remaining (line ", refused.Err, StringComparison.Ordinal);
        Assert.Equal(1, unauthorized.Exit);
        Assert.Contains("answered 401", unauthorized.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_NonLoopbackWithoutToken_Exit2BeforeListening()
    {
        var start = new ProcessStartInfo(ServeProcess.Dotnet) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { ServeProcess.CliDll, "serve", "--rules", TestPaths.Rules, "--urls", "http://0.0.0.0:0" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var err = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(ExitTimeout);

        Assert.Equal(2, process.ExitCode);
        Assert.Equal("", output);
        Assert.Equal("error: http://0.0.0.0:0 can be reached from other machines: give a bearer token (--token-file FILE) or, behind a proxy that authenticates, --allow-unauthenticated\n", (await err).ReplaceLineEndings("\n"));
    }

    private static async Task<HttpResponseMessage> Post(HttpClient client, string path, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await client.PostAsync(path, content);
    }

    private static async Task<(int Exit, string Out, string Err)> Python(params string[] args)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, (await output).ReplaceLineEndings("\n"), (await error).ReplaceLineEndings("\n"));
    }
}
