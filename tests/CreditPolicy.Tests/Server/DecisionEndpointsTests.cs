using System.Net;
using System.Text;
using CreditPolicy.Records;
using CreditPolicy.Tests.Cli;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Server;

/// <summary><c>POST /v1/decisions</c> and <c>/v1/explanations</c>: the CLI's bytes for every case, a problem for every refusal.</summary>
[Collection(nameof(ServerCollection))]
public sealed class DecisionEndpointsTests
{
    private static byte[] Example(string name) => File.ReadAllBytes(Path.Combine(TestPaths.Examples, name));

    [Fact]
    public async Task Decide_EveryScenarioCase_BytesEqualEvaluateCompact()
    {
        // Each directory on its own server, both at once: the command loads its rules for every case, which is most of the time.
        await Task.WhenAll(new[] { TestPaths.Rules, TestPaths.VersionedRules }.Select(async rules =>
        {
            await using var server = await InProcessServer.StartAsync(rules);
            var corpus = ScenarioCorpus.Of(rules).ToArray();
            Assert.True(corpus.Length >= 20, $"only {corpus.Length} scenarios under {rules}");
            foreach (var (_, file, @case) in corpus)
            {
                var cli = await CliRunner.Run(@case, "evaluate", "-", "--compact", "--rules", rules);
                using var response = await server.PostAsync("/v1/decisions", @case);
                var body = await response.Content.ReadAsStringAsync();

                Assert.True(cli.Exit == 0, $"{file}: evaluate exited {cli.Exit}: {cli.Err}");
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file}: {(int)response.StatusCode} {body}");
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(cli.Out == body + "\n", $"{file}:\n  evaluate: {cli.Out}\n  server:   {body}");
            }
        }));
    }

    [Fact]
    public async Task Explain_EveryBundledScenarioCase_BytesEqualEvaluateTraceCompact()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        foreach (var (rules, file, @case) in ScenarioCorpus.Of(TestPaths.Rules))
        {
            var cli = await CliRunner.Run(@case, "evaluate", "-", "--compact", "--trace", "--rules", rules);
            using var response = await server.PostAsync("/v1/explanations", @case);
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(cli.Out == body + "\n", $"{file}:\n  evaluate: {cli.Out}\n  server:   {body}");
            Assert.NotEmpty((JArray)JObject.Parse(body)["trace"]!);
        }
    }

    [Theory]
    [InlineData("use.json", "permit")]
    [InlineData("refund.json", "deny")]
    [InlineData("close-account.json", "permit")]
    public async Task Decide_ExampleCase_200WithItsOutcome(string example, string outcome)
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        using var response = await server.PostAsync("/v1/decisions", Example(example));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(outcome, (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["outcome"]);
    }

    [Fact]
    public async Task Decide_NoVersionInForce_200Indeterminate()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.VersionedRules);
        var @case = ScenarioCorpus.CaseOf(File.ReadAllBytes(Path.Combine(TestPaths.VersionedRules, "tests", "indeterminate", "no-terms-before-the-earliest-version.json")));

        using var response = await server.PostAsync("/v1/decisions", @case);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("indeterminate", (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["outcome"]);
    }

    [Fact]
    public async Task Decide_InvalidCase_400ProblemListsEveryProblemWithItsPathAsTheCliDoes()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        const string Case = """{"asOf": 5, "request": {"type": "uze"}}""";
        var invalidBefore = await server.MetricAsync("creditpolicy_invalid_cases_total", ("endpoint", "decisions")) ?? 0;

        using var response = await server.PostAsync("/v1/decisions", Case);
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());
        var cli = await CliRunner.Run(Case, "evaluate", "-", "--rules", TestPaths.Rules);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:creditpolicy:problem:invalid-case", (string?)problem["type"]);
        Assert.Equal("The case is not valid", (string?)problem["title"]);
        Assert.Equal(400, (int)problem["status"]!);
        Assert.Equal("The case is not valid (4 problems); each names its JSON path.", (string?)problem["detail"]);
        var problems = ((JArray)problem["problems"]!).Cast<JObject>().ToArray();
        Assert.Equal(["account", "asOf", "grants", "request.type"], problems.Select(p => (string?)p["path"]).Order(StringComparer.Ordinal));
        Assert.Equal((1, 10), ((int)problems.Single(p => (string?)p["path"] == "asOf")["line"]!, (int)problems.Single(p => (string?)p["path"] == "asOf")["column"]!));

        // The same problems, in the same words, as the command prints.
        Assert.Equal(2, cli.Exit);
        Assert.All(problems, p => Assert.Contains($"  {p["path"]} (line {p["line"]}, column {p["column"]}): {p["message"]}\n", cli.Err, StringComparison.Ordinal));
        Assert.Equal(invalidBefore + 1, await server.MetricAsync("creditpolicy_invalid_cases_total", ("endpoint", "decisions")));
    }

    [Fact]
    public async Task Decide_NotUtf8_400NamingTheByteOffset()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        var body = Example("use.json");
        body[body.Length / 2] = 0xFF;

        using var response = await server.PostAsync("/v1/decisions", body);
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", (string?)problem["problems"]![0]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_ContentLengthOverTheCaseLimit_413Unread()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        var body = new byte[Model.Contract.CaseLimits.MaxBytes + 1];
        Array.Fill(body, (byte)' ');

        using var response = await server.PostAsync("/v1/decisions", body);
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:creditpolicy:problem:too-large", (string?)problem["type"]);
        Assert.Equal("A case is at most 8,388,608 bytes.", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Decide_ChunkedBodyOverTheCaseLimit_413()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        var body = new byte[Model.Contract.CaseLimits.MaxBytes + 10];
        Array.Fill(body, (byte)' ');

        // No Content-Length: the server must stop reading at the limit itself.
        using var content = new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await server.Client.PostAsync("/v1/decisions", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Decide_CaseExactlyAtTheLimit_IsReadNotRefusedForSize()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);
        var use = Example("use.json");
        var body = new byte[Model.Contract.CaseLimits.MaxBytes];
        Array.Fill(body, (byte)' ');
        use.CopyTo(body, 0);

        using var response = await server.PostAsync("/v1/decisions", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Decide_BodySlowerThanTheRequestTimeout_408()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.RequestTimeout = TimeSpan.FromMilliseconds(500));
        using var content = new StreamContent(new StallingStream(Example("use.json")[..100], TimeSpan.FromSeconds(20)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await server.Client.PostAsync("/v1/decisions", content);
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
        Assert.Equal("urn:creditpolicy:problem:request-timeout", (string?)problem["type"]);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData(null)]
    public async Task Decide_OtherContentType_415(string? contentType)
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        using var response = await server.PostAsync("/v1/decisions", Example("use.json"), contentType);
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("urn:creditpolicy:problem:unsupported-media-type", (string?)problem["type"]);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    public async Task Decide_JsonWithUtf8OrNoCharset_200(string contentType)
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        using var response = await server.PostAsync("/v1/decisions", Example("use.json"), contentType);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Decide_WithDecisionLog_AppendsTheLineOfTheDecisionAnswered()
    {
        var log = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"), "decisions.ndjson");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        string body;
        await using (var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.DecisionLogPath = log))
        {
            using var response = await server.PostAsync("/v1/decisions", Example("use.json"));
            body = await response.Content.ReadAsStringAsync();
        }

        var line = Assert.Single(File.ReadAllLines(log));
        Assert.EndsWith(",\"decision\":" + body + "}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_DecisionLogFails_503AndNoDecisionHandedOut()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, builder: b => b.Services.AddSingleton<IDecisionSink>(new FailingSink(new IOException("No space left on device"))));

        using var decision = await server.PostAsync("/v1/decisions", Example("use.json"));
        using var explanation = await server.PostAsync("/v1/explanations", Example("use.json"));
        var problem = await decision.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, decision.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, explanation.StatusCode);
        Assert.Equal("urn:creditpolicy:problem:decision-not-recorded", (string?)JObject.Parse(problem)["type"]);
        Assert.DoesNotContain("outcome", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("No space left", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_ServerFails_500ProblemWithoutExceptionDetails()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, builder: b => b.Services.AddSingleton<IDecisionSink>(new FailingSink(new InvalidOperationException("secret-internal-detail at CreditPolicy.Secret()"))));

        using var response = await server.PostAsync("/v1/decisions", Example("use.json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:creditpolicy:problem:internal-error", (string?)JObject.Parse(body)["type"]);
        Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/v1/decisions", HttpStatusCode.MethodNotAllowed, "method-not-allowed")]
    [InlineData("POST", "/v1/rules", HttpStatusCode.MethodNotAllowed, "method-not-allowed")]
    [InlineData("GET", "/v2/decisions", HttpStatusCode.NotFound, "not-found")]
    public async Task Request_UnknownEndpointOrMethod_ProblemJson(string method, string path, HttpStatusCode status, string type)
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        using var response = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:creditpolicy:problem:" + type, (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["type"]);
    }

    /// <summary>A sink that fails every write, as a full disk or a bug would.</summary>
    private sealed class FailingSink(Exception failure) : IDecisionSink
    {
        public void Write(Model.CreditCase @case, Model.Decision decision) => throw failure;
    }
}

/// <summary>A stream over bytes that does not tell its length, so HTTP sends it chunked.</summary>
internal sealed class UnknownLengthStream(byte[] bytes) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(count, bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A body that sends some bytes, then stalls (as a slow or stuck client does) before it ends.</summary>
internal sealed class StallingStream(byte[] bytes, TimeSpan stall) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position == bytes.Length)
        {
            await Task.Delay(stall, cancellationToken);
            return 0;
        }

        var n = Math.Min(buffer.Length, bytes.Length - _position);
        bytes.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
