using CreditPolicy.Model.Contract;

namespace CreditPolicy.Server;

/// <summary>How <c>creditpolicy serve</c> listens, whom it answers, and the limits it keeps; every default is the safe one.</summary>
internal sealed class CreditPolicyServerOptions
{
    /// <summary>The default of <see cref="Urls"/>: loopback only, port 8181.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8181";

    /// <summary>Where to listen, as ASP.NET Core's <c>--urls</c>: one or more <c>http://host:port</c> separated by <c>;</c>. Port 0 takes a free port.</summary>
    /// <remarks>An address other than loopback (<c>127.0.0.0/8</c>, <c>[::1]</c>, <c>localhost</c>) needs <see cref="BearerToken"/> or <see cref="AllowUnauthenticated"/>.</remarks>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>The bearer token every request but <c>/healthz</c> and <c>/readyz</c> must carry (<c>Authorization: Bearer …</c>); null for none.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Allows listening on an address other than loopback without a bearer token. Default false.</summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>The decision log (NDJSON, as <c>evaluate --log</c>) every decision is appended to before it is answered; null for none.</summary>
    public string? DecisionLogPath { get; set; }

    /// <summary>The longest time one request may take, body included, except a batch. Default 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest time one batch may take. Default 15 minutes.</summary>
    public TimeSpan BatchTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The most bytes of one batch body. Default 1 GiB (some million cases).</summary>
    public long MaxBatchBytes { get; set; } = 1L << 30;

    /// <summary>How many batches may stream at once; more are answered 503 with <c>Retry-After</c>. Default twice the cores.</summary>
    public int MaxConcurrentBatches { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>How long a stop (SIGTERM, Ctrl-C) waits for requests in flight before it ends them. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most bytes of one case (<see cref="CaseLimits.MaxBytes"/>); a longer body is answered 413 unread.</summary>
    public int MaxCaseBytes => CaseLimits.MaxBytes;
}
