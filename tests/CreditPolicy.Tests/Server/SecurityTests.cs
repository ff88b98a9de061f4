using System.Net;
using System.Net.Http.Headers;
using CreditPolicy.Server;
using CreditPolicy.Server.Security;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Server;

/// <summary>Who the server answers: loopback by default, a bearer token compared in constant time, or an explicit opt-out.</summary>
[Collection(nameof(ServerCollection))]
public sealed class SecurityTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    private static byte[] UseCase => File.ReadAllBytes(Path.Combine(TestPaths.Examples, "use.json"));

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer 0123456789abcdef0123456789abcdeX")]
    [InlineData("Bearer 0123456789abcdef0123456789abcdef0")]
    [InlineData("Bearer 0123456789abcdef")]
    [InlineData("Basic 0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    public async Task Decide_TokenRequiredWithoutTheToken_401(string? authorization)
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.BearerToken = Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions") { Content = new ByteArrayContent(UseCase) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await server.Client.SendAsync(request);
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:creditpolicy:problem:unauthorized", (string?)problem["type"]);
        Assert.Equal(authorization is null ? "Bearer" : "Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("/v1/rules")]
    [InlineData("/metrics")]
    [InlineData("/openapi/v1.json")]
    public async Task Get_TokenRequiredWithoutTheToken_401(string path)
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.BearerToken = Token);

        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Requests_TokenRequiredWithTheToken_Answered()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.BearerToken = Token);
        server.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using var decision = await server.PostAsync("/v1/decisions", UseCase);
        using var rules = await server.Client.GetAsync("/v1/rules");
        var openApi = JObject.Parse(await server.Client.GetStringAsync("/openapi/v1.json"));

        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);
        Assert.Equal("bearer", (string?)openApi["components"]!["securitySchemes"]!["bearer"]!["scheme"]);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Probes_TokenRequired_AnsweredWithoutIt(string path)
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules, o => o.BearerToken = Token);

        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Decide_NoTokenOnLoopback_Answered()
    {
        await using var server = await InProcessServer.StartAsync(TestPaths.Rules);

        using var response = await server.PostAsync("/v1/decisions", UseCase);
        var openApi = JObject.Parse(await server.Client.GetStringAsync("/openapi/v1.json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(openApi["security"]);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8181")]
    [InlineData("http://*:8181")]
    [InlineData("http://+:8181")]
    [InlineData("http://[::]:8181")]
    [InlineData("http://10.1.2.3:8181")]
    [InlineData("http://127.0.0.1:8181;http://192.168.1.5:8181")]
    public void Create_ReachableFromOtherMachinesWithoutToken_Refused(string urls)
    {
        var ex = Assert.Throws<ArgumentException>(() => CreditPolicyServer.Create(new CreditPolicyServerOptions { Urls = urls }, p => p.RulesDirectory = TestPaths.Rules));

        Assert.StartsWith(urls.Split(';')[^1] + " can be reached", ex.Message, StringComparison.Ordinal);
        Assert.Contains("can be reached from other machines: give a bearer token (--token-file FILE) or, behind a proxy that authenticates, --allow-unauthenticated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8181", true)]
    [InlineData("http://127.8.9.10:1", true)]
    [InlineData("http://localhost:8181", true)]
    [InlineData("http://[::1]:8181", true)]
    [InlineData("http://0.0.0.0:8181", false)]
    [InlineData("http://[::]:8181", false)]
    [InlineData("http://example.org:8181", false)]
    public void IsLoopback_Address_OnlyThisMachine(string url, bool loopback)
    {
        Assert.Equal(loopback, ListenAddresses.IsLoopback(Assert.Single(ListenAddresses.Parse(url)).Uri));
    }

    [Theory]
    [InlineData("https://127.0.0.1:8181")]
    [InlineData("127.0.0.1:8181")]
    [InlineData("http://127.0.0.1:8181/v1")]
    [InlineData("")]
    public void Parse_NotAnAddressToListenOn_Refused(string urls)
    {
        Assert.Throws<ArgumentException>(() => ListenAddresses.Parse(urls));
    }

    [Fact]
    public async Task Create_ReachableFromOtherMachinesWithTokenOrOptOut_Builds()
    {
        await using (CreditPolicyServer.Create(new CreditPolicyServerOptions { Urls = "http://0.0.0.0:0", BearerToken = Token }, p => p.RulesDirectory = TestPaths.Rules))
        {
        }

        await using (CreditPolicyServer.Create(new CreditPolicyServerOptions { Urls = "http://0.0.0.0:0", AllowUnauthenticated = true }, p => p.RulesDirectory = TestPaths.Rules))
        {
        }
    }

    [Fact]
    public void Create_TokenAndOptOutTogether_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => CreditPolicyServer.Create(new CreditPolicyServerOptions { BearerToken = Token, AllowUnauthenticated = true }, p => p.RulesDirectory = TestPaths.Rules));

        Assert.Contains("contradict", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("0123456789abcde")]
    [InlineData("0123456789abcdef 0123456789abcdef")]
    public void Of_WeakOrMalformedToken_Refused(string token)
    {
        Assert.Throws<ArgumentException>(() => BearerToken.Of(token));
    }

    [Fact]
    public void Accepts_ComparesWholeTokensOnly()
    {
        var token = BearerToken.Of(Token);

        Assert.True(token.Accepts("Bearer " + Token));
        Assert.True(token.Accepts("bearer " + Token));
        Assert.False(token.Accepts("Bearer " + Token.ToUpperInvariant()));
        Assert.False(token.Accepts("Bearer " + Token[..^1]));
        Assert.False(token.Accepts("Bearer " + Token + Token));
        Assert.False(token.Accepts("Bearer "));
        Assert.False(token.Accepts(""));
        Assert.False(token.Accepts(null));
    }

    [Fact]
    public void ReadFile_TokenWithLineEnd_ReadWithoutIt()
    {
        var file = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, Token + "\r\n");

        Assert.Equal(Token, BearerToken.ReadFile(file));
        Assert.Throws<FileNotFoundException>(() => BearerToken.ReadFile(file + ".missing"));
    }
}
