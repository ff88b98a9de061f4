using System.Reflection;

/// <summary>
/// A .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>) that writes the names of the assemblies a process loaded, when it
/// exits, to the file <c>CREDITPOLICY_TEST_LOADED_ASSEMBLIES</c> names: how a test sees what <c>creditpolicy evaluate</c> loads.
/// </summary>
/// <remarks>The runtime looks the hook up by this exact name, outside any namespace.</remarks>
internal static class StartupHook
{
    public const string Variable = "CREDITPOLICY_TEST_LOADED_ASSEMBLIES";

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } file) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            File.WriteAllLines(file, AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "").Order(StringComparer.Ordinal));
    }
}
