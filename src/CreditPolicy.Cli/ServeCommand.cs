using System.CommandLine;

namespace CreditPolicy.Cli;

/// <summary>The serve command's options; what it runs lives in <see cref="ServeRunner"/>, so that no other command loads ASP.NET Core.</summary>
internal sealed partial class Commands
{
    /// <summary>The default of <c>serve --urls</c>: loopback, port 8181 (the same as <c>CreditPolicyServerOptions.DefaultUrls</c>, which a test holds it to).</summary>
    internal const string DefaultServeUrls = "http://127.0.0.1:8181";

    private Command ServeCommand()
    {
        var rules = RulesOption();
        var urls = new Option<string>("--urls")
        {
            Description = $"Where to listen: http://HOST:PORT, several separated by ';' (port 0: a free port, printed on stdout). An address other than loopback needs --token-file or --allow-unauthenticated. Default {DefaultServeUrls}.",
            DefaultValueFactory = _ => DefaultServeUrls,
        };
        var tokenFile = new Option<string?>("--token-file")
        {
            Description = "A file holding the bearer token (one line, at least 16 characters) every request but /healthz and /readyz must send as 'Authorization: Bearer <token>'; compared in constant time.",
        };
        var allowUnauthenticated = new Option<bool>("--allow-unauthenticated")
        {
            Description = "Listen on an address other than loopback without a token (for a proxy in front that authenticates).",
        };
        var log = new Option<string?>("--log") { Description = "Append every case and decision to this decision log (NDJSON, as evaluate --log) before answering; a decision whose line could not be written is not handed out (503)." };
        var command = new Command("serve", """
            Serve decisions over HTTP/JSON (Kestrel): POST /v1/decisions, /v1/decisions/batch (NDJSON), /v1/explanations;
            GET /v1/rules, /healthz, /readyz, /metrics (Prometheus), /openapi/v1.json. The rules reload when their files
            change, as AddCreditPolicy does: an edit serves only once it passes every check of 'creditpolicy check', else the
            last good rules keep serving and GET /v1/rules shows why. SIGTERM or Ctrl-C finishes the requests in flight, then stops.
            """)
        {
            rules, urls, tokenFile, allowUnauthenticated, log,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!RulesLocation.TryResolve(parse.GetValue(rules), _rulesSearch, out var location, out var missing))
            {
                stderr.WriteLine("error: " + missing);
                return ExitCodes.BadInput;
            }

            var settings = new ServeSettings(
                location!,
                parse.GetValue(urls) ?? DefaultServeUrls,
                parse.GetValue(tokenFile),
                parse.GetValue(allowUnauthenticated),
                parse.GetValue(log),
                parse.GetValue(TzdbOption));
            return await ServeRunner.RunAsync(settings, stdout, stderr, ct);
        });
        return command;
    }
}

/// <summary>What <c>serve</c> was asked to do, in types that load nothing of ASP.NET Core.</summary>
/// <param name="Rules">The rule directory.</param>
/// <param name="Urls">The addresses to listen on.</param>
/// <param name="TokenFile">The bearer token's file, or null.</param>
/// <param name="AllowUnauthenticated">Whether an address other than loopback may go without a token.</param>
/// <param name="Log">The decision log, or null.</param>
/// <param name="Tzdb">A tz database file, or null for the bundled one.</param>
internal sealed record ServeSettings(RulesLocation Rules, string Urls, string? TokenFile, bool AllowUnauthenticated, string? Log, string? Tzdb);
