using CreditPolicy.Rules;
using CreditPolicy.Server;
using CreditPolicy.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CreditPolicy.Cli;

/// <summary>Runs <c>creditpolicy serve</c>: the only class of the command that touches ASP.NET Core, reached only by <c>serve</c>.</summary>
internal static class ServeRunner
{
    /// <summary>Builds and runs the server until SIGTERM or Ctrl-C, then lets requests in flight finish; 0 after a clean stop, 2 when it cannot start.</summary>
    public static async Task<int> RunAsync(ServeSettings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var options = new CreditPolicyServerOptions
        {
            Urls = settings.Urls,
            AllowUnauthenticated = settings.AllowUnauthenticated,
            DecisionLogPath = settings.Log,
        };
        if (settings.TokenFile is { } tokenFile)
        {
            try
            {
                options.BearerToken = BearerToken.ReadFile(tokenFile);
                BearerToken.Of(options.BearerToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                await stderr.WriteLineAsync($"error: --token-file {tokenFile}: {ex.Message}");
                return ExitCodes.BadInput;
            }
        }

        WebApplication app;
        try
        {
            app = CreditPolicyServer.Create(options, policy =>
            {
                policy.RulesDirectory = settings.Rules.Directory;
                policy.TimeZoneDatabasePath = settings.Tzdb;
            });
        }
        catch (RuleSetLoadException ex)
        {
            if (settings.Rules.IsImplicit) await stderr.WriteLineAsync(settings.Rules.Describe());
            await stderr.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.BadInput;
        }
        catch (InvalidDataException ex)
        {
            await stderr.WriteLineAsync("error: --tzdb " + ex.Message);
            return ExitCodes.BadInput;
        }
        catch (OptionsValidationException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.BadInput;
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && settings.Log is not null)
        {
            await stderr.WriteLineAsync($"error: cannot open the decision log {settings.Log} for appending: {ex.Message}");
            return ExitCodes.BadInput;
        }

        await using (app)
        {
            var status = app.Services.GetRequiredService<ICreditPolicyStatus>().Status;
            if (settings.Rules.IsImplicit) await stderr.WriteLineAsync(settings.Rules.Describe(status.Catalogue));
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                // Kestrel could not bind: the port is taken, or the address is not this machine's.
                await stderr.WriteLineAsync("error: cannot listen: " + ex.Message);
                return ExitCodes.BadInput;
            }

            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var versions = string.Join(", ", status.Catalogue.Versions.Select(v => v.Identity.TermsVersion));
            await stdout.WriteLineAsync($"creditpolicy serve: terms {versions} ({status.Catalogue.Identity.Digest}), listening on {string.Join(" ", addresses)}");
            await stdout.FlushAsync(cancellationToken);

            // SIGTERM and Ctrl-C reach the host, which stops listening, waits for requests in flight
            // (CreditPolicyServerOptions.ShutdownTimeout) and then returns here.
            await app.WaitForShutdownAsync(CancellationToken.None);
        }

        return ExitCodes.Ok;
    }
}
