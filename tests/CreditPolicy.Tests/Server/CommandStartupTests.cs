using System.Diagnostics;

namespace CreditPolicy.Tests.Server;

/// <summary>The server is reached only through <c>serve</c>: the other commands start as lean as before it existed.</summary>
public sealed class CommandStartupTests
{
    [Fact]
    public async Task Evaluate_RealProcess_LoadsNothingOfAspNetCoreOrTheServer()
    {
        var loaded = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"), "loaded.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(loaded)!);
        var start = new ProcessStartInfo(ServeProcess.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { ServeProcess.CliDll, "evaluate", Path.Combine(TestPaths.Examples, "use.json"), "--rules", TestPaths.Rules, "--compact" }) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_STARTUP_HOOKS"] = typeof(StartupHook).Assembly.Location;
        start.Environment[StartupHook.Variable] = loaded;

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var assemblies = await File.ReadAllLinesAsync(loaded);

        Assert.True(process.ExitCode == 0, await error);
        Assert.StartsWith("{\"outcome\":\"permit\"", await output, StringComparison.Ordinal);
        Assert.Contains("CreditPolicy", assemblies);
        Assert.Contains("CreditPolicy.Cli", assemblies);
        Assert.DoesNotContain(assemblies, a => a.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || a.StartsWith("OpenTelemetry", StringComparison.Ordinal) || a == "CreditPolicy.Server");
    }
}
