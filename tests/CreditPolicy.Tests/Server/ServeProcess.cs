using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CreditPolicy.Tests.Server;

/// <summary>
/// The real <c>creditpolicy serve</c>: the built command run by <c>dotnet</c> as its own process, on a free loopback
/// port it prints on stdout.
/// </summary>
internal sealed partial class ServeProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly System.Text.StringBuilder _stdout = new();

    private ServeProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    public int Id => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    /// <summary>The built command beside the tests (with its runtimeconfig), as <c>dotnet CreditPolicy.Cli.dll</c> runs it.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "CreditPolicy.Cli.dll");

    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Starts <c>serve</c> with these arguments on <c>http://127.0.0.1:0</c> and waits until it says where it listens.</summary>
    public static async Task<ServeProcess> StartAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliDll);
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("CREDITPOLICY_RULES");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            if (Listening().Match(e.Data) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups[1].Value));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(StartTimeout));
        if (first != listening.Task)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            string err;
            lock (stderr) err = stderr.ToString();
            throw new InvalidOperationException($"creditpolicy serve did not start listening within {StartTimeout.TotalSeconds} s (exited: {process.HasExited}):\n{stdout}\n{err}");
        }

        var server = new ServeProcess(process, listening.Task.Result);
        lock (stdout) server._stdout.Append(stdout);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (server._stderr) server._stderr.AppendLine(e.Data);
        };
        lock (stderr) server._stderr.Append(stderr);
        return server;
    }

    /// <summary>Sends SIGTERM, as a supervisor stopping the service does.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, 15) != 0) throw new InvalidOperationException("kill(SIGTERM) failed");
    }

    /// <summary>Waits for the process to exit and gives its exit code; kills it and fails when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"creditpolicy serve did not exit within {timeout.TotalSeconds} s of SIGTERM:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
