using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace CreditPolicy.FileSystem;

/// <summary>Reads regular files whole, up to a size limit, never blocking on a FIFO and never reading a device.</summary>
/// <remarks>
/// A FIFO opened for reading blocks until someone writes; <c>/dev/zero</c> and <c>/dev/urandom</c> never end. Both are
/// refused here by kind, and whatever is read stops one byte past the limit, so no file can hang or exhaust the process.
/// </remarks>
internal static class RegularFile
{
    /// <summary>Reads a regular file whole, or says why not: the message completes a sentence whose subject is the file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most bytes the file may hold.</param>
    /// <param name="bytes">The file's bytes, when it was read.</param>
    /// <param name="problem">Why the file was not read, for example "is a FIFO (named pipe), not a regular file; only regular files are read".</param>
    public static bool TryReadAll(string path, int maxBytes, out byte[] bytes, out string? problem)
    {
        bytes = [];
        try
        {
            using var handle = OpenRegular(path, out problem);
            if (handle is null) return false;
            return TryReadAll(handle, maxBytes, out bytes, out problem);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            problem = "cannot be read: " + ex.Message;
            return false;
        }
    }

    /// <summary>Opens a file for reading if it is a regular file; null with the reason otherwise.</summary>
    /// <exception cref="IOException">Thrown when the file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">Thrown when the file may not be read.</exception>
    public static SafeFileHandle? OpenRegular(string path, out string? problem)
    {
        problem = null;
        if (UnixFiles.IsAvailable)
        {
            var handle = UnixFiles.OpenForReading(path);
            var kind = FileKind.Unknown;
            try
            {
                kind = UnixFiles.Status(handle).Kind;
            }
            finally
            {
                if (kind != FileKind.Regular) handle.Dispose();
            }

            if (kind == FileKind.Regular) return handle;
            problem = NotRegular(kind);
            return null;
        }

        // Without statx (not Linux) this is the best .NET offers: Windows keeps no FIFOs or devices among files, and a
        // handle that cannot seek (a pipe) is refused below when it is read.
        if (Directory.Exists(path))
        {
            problem = NotRegular(FileKind.Directory);
            return null;
        }

        return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    /// <summary>The problem for a file that is not a regular file.</summary>
    public static string NotRegular(FileKind kind) => $"is {FileKinds.Describe(kind)}, not a regular file; only regular files are read";

    /// <summary>The problem for a file over the limit.</summary>
    public static string TooLarge(int maxBytes) => $"is larger than {Size(maxBytes)}, the most one file may hold";

    /// <summary>A size for a person: <c>1 MiB</c>, <c>64 KiB</c>, <c>100 bytes</c>.</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1 << 20 when bytes % (1 << 20) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB"),
        >= 1 << 10 when bytes % (1 << 10) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 10} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    private static bool TryReadAll(SafeFileHandle handle, int maxBytes, out byte[] bytes, out string? problem)
    {
        // The length is only a hint for the buffer: a file can grow while it is read, and a device says 0.
        long hint;
        try
        {
            hint = RandomAccess.GetLength(handle);
        }
        catch (Exception ex) when (ex is IOException or NotSupportedException)
        {
            hint = 0;
        }

        var buffer = new byte[(int)Math.Min(Math.Max(hint, 0) + 1, (long)maxBytes + 1)];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                // The buffer never grows past the limit plus one byte: one byte more than allowed is enough to refuse.
                if (total > maxBytes) break;
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, (long)maxBytes + 1));
            }

            int read;
            try
            {
                read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            }
            catch (NotSupportedException)
            {
                (bytes, problem) = ([], NotRegular(FileKind.Unknown));
                return false;
            }

            if (read == 0) break;
            total += read;
        }

        if (total > maxBytes)
        {
            (bytes, problem) = ([], TooLarge(maxBytes));
            return false;
        }

        Array.Resize(ref buffer, total);
        (bytes, problem) = (buffer, null);
        return true;
    }
}
