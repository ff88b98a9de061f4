using System.Diagnostics;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Cli;

/// <summary>Installed tests run alone: packing builds the command in Release, which wants both cores to stay within its time.</summary>
[CollectionDefinition(nameof(InstalledToolCollection), DisableParallelization = true)]
public sealed class InstalledToolCollection;

/// <summary>
/// The command as a user gets it: packed as a dotnet tool, installed into a tool path and run from an empty directory,
/// far from the repository's rules/, where it must decide with the terms it carries (issue 9).
/// </summary>
[Collection(nameof(InstalledToolCollection))]
public sealed class InstalledToolTests : IDisposable
{
    /// <summary>Bounds each step, so a hung restore fails the test instead of the run.</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(150);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", "installed-" + Guid.NewGuid().ToString("N"));

    public InstalledToolTests()
    {
        Directory.CreateDirectory(Packages);
        Directory.CreateDirectory(ToolPath);
        Directory.CreateDirectory(Empty);
    }

    private string Packages => Path.Combine(_root, "packages");

    private string ToolPath => Path.Combine(_root, "tools");

    private string Empty => Path.Combine(_root, "empty");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is harmless.
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task InstalledTool_RunFromAnEmptyDirectory_DecidesAndChecksWithTheBundledTerms()
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var project = Path.Combine(TestPaths.RepositoryRoot, "src", "CreditPolicy.Cli", "CreditPolicy.Cli.csproj");

        var pack = await Run(dotnet, Empty, "pack", project, "-c", "Release", "-o", Packages, "--nologo", "--disable-build-servers", "-nodeReuse:false");
        Assert.True(pack.Exit == 0, $"dotnet pack failed:\n{pack.Out}\n{pack.Err}");
        var package = Assert.Single(Directory.GetFiles(Packages, "CreditPolicy.Cli.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["CreditPolicy.Cli.".Length..];

        var install = await Run(dotnet, Empty, "tool", "install", "--tool-path", ToolPath, "--add-source", Packages, "CreditPolicy.Cli", "--version", version);
        Assert.True(install.Exit == 0, $"dotnet tool install failed:\n{install.Out}\n{install.Err}");
        var tool = Path.Combine(ToolPath, OperatingSystem.IsWindows() ? "creditpolicy.exe" : "creditpolicy");

        var evaluate = await Run(tool, Empty, "evaluate", Path.Combine(TestPaths.Examples, "use.json"));
        var check = await Run(tool, Empty, "check");

        Assert.True(evaluate.Exit == 0, $"evaluate exited {evaluate.Exit}:\n{evaluate.Out}\n{evaluate.Err}");
        Assert.Equal("permit", (string?)JObject.Parse(evaluate.Out)["outcome"]);
        Assert.Matches(@"^rules: bundled terms 2026-11-24 \(.+[/\\]rules\)\r?\n$", evaluate.Err);
        Assert.StartsWith($"rules: bundled terms 2026-11-24 ({Path.GetFullPath(ToolPath)}", evaluate.Err, StringComparison.Ordinal);
        Assert.True(check.Exit == 0, $"check exited {check.Exit}:\n{check.Out}\n{check.Err}");
        Assert.Matches(@"(?m)^\d+ passed, 0 failed\r?$", check.Out);
        Assert.StartsWith("rules: bundled terms 2026-11-24 (", check.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Empty));
    }

    /// <summary>Runs a program to completion in a directory, without the variable that would name other rules.</summary>
    private static async Task<(int Exit, string Out, string Err)> Run(string program, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("CREDITPOLICY_RULES");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The tool's launcher finds the runtime that runs these tests, wherever it is installed.
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host) start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(host);

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(program)} {string.Join(' ', args)} did not finish within {StepTimeout.TotalSeconds} s");
        }

        return (process.ExitCode, await output, await error);
    }
}
