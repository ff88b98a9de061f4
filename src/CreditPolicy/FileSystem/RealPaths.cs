namespace CreditPolicy.FileSystem;

/// <summary>Resolves paths as <c>realpath(3)</c> does: every symbolic link on the way followed, <c>.</c> and <c>..</c> applied.</summary>
internal static class RealPaths
{
    /// <summary>The most symbolic links one resolution follows, as Linux allows (<c>MAXSYMLINKS</c>); more means a loop.</summary>
    public const int MaxLinks = 40;

    /// <summary>The real path of <paramref name="path"/>, or null when it, or a folder on the way, does not exist.</summary>
    /// <exception cref="IOException">Thrown when resolving follows more than <see cref="MaxLinks"/> links: the links loop.</exception>
    public static string? Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        Push(pending, full[current.Length..]);
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                // current never holds a link, so its parent is its real parent.
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Join(current, part);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
                // For example ENOTDIR: a file where a folder was expected on the way.
                return null;
            }

            if (target is null)
            {
                if (!Path.Exists(next)) return null;
                current = next;
                continue;
            }

            if (++links > MaxLinks) throw new IOException($"more than {MaxLinks} symbolic links on the way: the links loop");
            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target)!;
                Push(pending, target[current.Length..]);
            }
            else
            {
                Push(pending, target);
            }
        }

        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or inside it; both real paths.</summary>
    public static bool IsWithin(string path, string root)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (string.Equals(path, root, comparison)) return true;
        var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, comparison);
    }

    private static void Push(Stack<string> pending, string relative)
    {
        var parts = relative.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }
}
