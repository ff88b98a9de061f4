using CreditPolicy.Server.Endpoints;
using CreditPolicy.Server.Http;
using CreditPolicy.Server.OpenApi;
using CreditPolicy.Server.Security;
using CreditPolicy.Server.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace CreditPolicy.Server;

/// <summary>Builds the HTTP sidecar: the endpoints over one <see cref="ReloadingCreditPolicy"/>, on Kestrel, with the safe defaults of <see cref="CreditPolicyServerOptions"/>.</summary>
internal static class CreditPolicyServer
{
    /// <summary>Paths answered without the bearer token: probes carry none.</summary>
    private static readonly string[] OpenPaths = ["/healthz", "/readyz"];

    /// <summary>Builds the server; it loads the rules (every check of <c>creditpolicy check</c>) before it returns.</summary>
    /// <param name="options">Where to listen, the token, the log and the limits.</param>
    /// <param name="policy">The rules: at least the rule directory; the time-zone database and polling too.</param>
    /// <param name="configure">Changes to the builder before it builds (tests use it to swap Kestrel for a test server or add a decision sink).</param>
    /// <exception cref="ArgumentException">Thrown when an address is not one to listen on, or an address other than loopback has neither a token nor leave to go without.</exception>
    /// <exception cref="Rules.RuleSetLoadException">Thrown when the rules do not load or fail their check.</exception>
    /// <exception cref="IOException">Thrown when the decision log cannot be opened.</exception>
    public static WebApplication Create(CreditPolicyServerOptions options, Action<CreditPolicyOptions> policy, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        var addresses = ListenAddresses.Parse(options.Urls);
        var token = options.BearerToken is null ? null : BearerToken.Of(options.BearerToken);
        if (token is not null && options.AllowUnauthenticated)
        {
            throw new ArgumentException("a bearer token and --allow-unauthenticated contradict each other; give one");
        }

        var exposed = addresses.Where(a => !ListenAddresses.IsLoopback(a.Uri)).ToArray();
        if (exposed.Length > 0 && token is null && !options.AllowUnauthenticated)
        {
            throw new ArgumentException($"{string.Join(", ", exposed.Select(a => a.Text))} can be reached from other machines: give a bearer token (--token-file FILE) or, behind a proxy that authenticates, --allow-unauthenticated");
        }

        // Production whatever ASPNETCORE_ENVIRONMENT says: Development would show exception pages with stack traces.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, Args = [] });
        builder.WebHost.UseUrls(string.Join(';', addresses.Select(a => a.Text)));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxCaseBytes;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxConcurrentConnections = 10_000;
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddSimpleConsole(c =>
        {
            c.SingleLine = true;
            c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            c.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        builder.Services.AddSingleton(options);
        builder.Services.AddCreditPolicy(policy);
        if (options.DecisionLogPath is { } log) builder.Services.AddDecisionLog(log);
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddSingleton<RulesStatusView>();
        builder.Services.AddSingleton<DecisionEndpoints>();
        builder.Services.AddSingleton<OpenApiCache>();
        builder.Services.AddRequestTimeouts(t =>
        {
            t.DefaultPolicy = TimeoutPolicy(options.RequestTimeout);
            t.AddPolicy("batch", TimeoutPolicy(options.BatchTimeout));
        });
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("creditpolicy", serviceVersion: Records.DecisionRecords.LibraryVersion))
            .WithMetrics(metrics => metrics
            .AddMeter(ServerMetrics.MeterName, "Microsoft.AspNetCore.Hosting")
            .AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0));
        configure?.Invoke(builder);
        builder.Services.TryAddSingleton<IClock>(SystemClock.Instance);

        var app = builder.Build();

        // Resolve now: the rules load and are checked, and the decision log opens, before anything listens.
        var reloading = app.Services.GetRequiredService<ReloadingCreditPolicy>();
        var metricsInstance = app.Services.GetRequiredService<ServerMetrics>();
        reloading.Reloaded += (_, attempt) => metricsInstance.Reloaded(attempt);
        app.Services.GetRequiredService<RulesStatusView>();

        Map(app, token);
        return app;
    }

    private static RequestTimeoutPolicy TimeoutPolicy(TimeSpan timeout) => new()
    {
        Timeout = timeout,
        TimeoutStatusCode = StatusCodes.Status408RequestTimeout,
        WriteTimeoutResponse = context => Problems.TimedOut(context),
    };

    private static void Map(WebApplication app, BearerToken? token)
    {
        // First, so that nothing below it can hand a client an exception: a 500 problem without details.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => Problems.Internal(context),
        });
        app.UseStatusCodePages(context =>
            context.HttpContext.Response.ContentType is null && !context.HttpContext.Response.HasStarted
                ? Problems.Status(context.HttpContext, context.HttpContext.Response.StatusCode)
                : Task.CompletedTask);
        if (token is not null)
        {
            app.Use((context, next) =>
            {
                if (OpenPaths.Contains(context.Request.Path.Value, StringComparer.Ordinal)) return next(context);
                var authorization = context.Request.Headers.Authorization.ToString();
                return token.Accepts(authorization) ? next(context) : Problems.Unauthorized(context, authorization.Length > 0);
            });
        }

        app.UseRouting();
        app.UseRequestTimeouts();

        var decisions = app.Services.GetRequiredService<DecisionEndpoints>();
        app.MapPost("/v1/decisions", decisions.Decide);
        app.MapPost("/v1/explanations", decisions.Explain);
        app.MapPost("/v1/decisions/batch", decisions.Batch).WithRequestTimeout("batch");

        var view = app.Services.GetRequiredService<RulesStatusView>();
        app.MapGet("/v1/rules", (HttpContext context) => WriteJson(context, view.Json()));

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        app.MapGet("/healthz", (HttpContext context) => WriteJson(context, """{"status":"live"}"""u8.ToArray()));
        app.MapGet("/readyz", (HttpContext context) =>
        {
            // Rules always serve once started (the last good set through any reload); stopping is what makes it not ready.
            if (!lifetime.ApplicationStopping.IsCancellationRequested) return WriteJson(context, """{"status":"ready"}"""u8.ToArray());
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return WriteJson(context, """{"status":"stopping"}"""u8.ToArray());
        });

        var openApi = app.Services.GetRequiredService<OpenApiCache>();
        app.MapGet("/openapi/v1.json", (HttpContext context) => WriteJson(context, openApi.Get(token is not null)));
        app.MapPrometheusScrapingEndpoint("/metrics");
    }

    private static Task WriteJson(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>The OpenAPI document, written again only when the rules served or the version in force change.</summary>
    private sealed class OpenApiCache(ReloadingCreditPolicy policy, IClock clock)
    {
        private volatile Tuple<Rules.RuleCatalogue, Rules.RuleSet?, bool, byte[]>? _cached;

        public byte[] Get(bool bearer)
        {
            var now = clock.GetCurrentInstant();
            var catalogue = policy.Catalogue;
            var inForce = catalogue.InForceAt(now);
            if (_cached is { } c && ReferenceEquals(c.Item1, catalogue) && ReferenceEquals(c.Item2, inForce) && c.Item3 == bearer) return c.Item4;
            var bytes = OpenApiDocument.Utf8(OpenApiDocument.Build(catalogue, now, bearer));
            _cached = Tuple.Create(catalogue, inForce, bearer, bytes);
            return bytes;
        }
    }
}
