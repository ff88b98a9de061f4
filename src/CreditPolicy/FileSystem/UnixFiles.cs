using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CreditPolicy.FileSystem;

/// <summary>The few Linux calls .NET does not expose: a file's kind and identity (<c>statx</c>), and opening without blocking (<c>O_NONBLOCK</c>).</summary>
/// <remarks>
/// .NET reports a FIFO, a socket and a device as an ordinary file (<see cref="FileAttributes.Normal"/>), and opening a FIFO for
/// reading blocks until a writer appears, for ever if none does. So on Linux a file is opened with <c>O_NONBLOCK</c>, which
/// returns at once for every kind, and its kind is then read from the open descriptor, so it cannot change between the
/// check and the read. <c>struct statx</c> has one layout on every Linux architecture, unlike <c>struct stat</c>.
/// Elsewhere <see cref="IsAvailable"/> is false and callers fall back to what .NET offers.
/// </remarks>
internal static class UnixFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxMode = 0x2;
    private const uint StatxNlink = 0x4;
    private const uint StatxIno = 0x100;
    private const uint StatxSize = 0x200;

    // The same on x86-64 and arm64 (asm-generic), the architectures .NET runs on Linux.
    private const int ORdOnly = 0;
    private const int ORdWr = 0x2;
    private const int OCreat = 0x40;
    private const int OAppend = 0x400;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;

    private const int ENoSys = 38;

    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary>Whether <c>statx</c> and the non-blocking open work here: Linux with glibc 2.28 or later (or musl 1.2.5), and no sandbox refusing the call.</summary>
    public static bool IsAvailable => Available.Value;

    /// <summary>The kind, size and identity of the file at <paramref name="path"/>, following symbolic links unless <paramref name="followLinks"/> is false.</summary>
    /// <returns>False with the error number when the call failed (for example <c>ENOENT</c>, <c>ELOOP</c>).</returns>
    public static bool TryStatus(string path, bool followLinks, out FileStatus status, out int error)
    {
        var flags = followLinks ? 0 : AtSymlinkNoFollow;
        if (statx(AtFdCwd, path, flags, StatxType | StatxMode | StatxNlink | StatxIno | StatxSize, out var buffer) == 0)
        {
            (status, error) = (Convert(buffer), 0);
            return true;
        }

        (status, error) = (default, Marshal.GetLastPInvokeError());
        return false;
    }

    /// <summary>The kind, size, identity and link count of an open file.</summary>
    /// <exception cref="IOException">Thrown when the call fails.</exception>
    public static FileStatus Status(SafeFileHandle handle)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            if (statx(fd, "", AtEmptyPath, StatxType | StatxMode | StatxNlink | StatxIno | StatxSize, out var buffer) == 0) return Convert(buffer);
            throw Error(Marshal.GetLastPInvokeError(), "cannot read the status of the open file");
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>Opens a file for reading without ever blocking: a FIFO without a writer opens at once (and is refused by its kind afterwards).</summary>
    /// <exception cref="IOException">Thrown when the file cannot be opened; the message is the system's (for example "No such file or directory").</exception>
    /// <exception cref="UnauthorizedAccessException">Thrown when the file may not be read.</exception>
    public static SafeFileHandle OpenForReading(string path)
    {
        var fd = open(path, ORdOnly | ONonBlock | OCloExec | ONoCtty, 0);
        if (fd < 0) throw Error(Marshal.GetLastPInvokeError());
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Opens (or creates, mode 0666 less the umask) a file for appending without ever blocking: a FIFO opens at once, to be refused by its kind.</summary>
    /// <remarks>With <c>O_APPEND</c> the kernel puts every write at the end of the file, whatever offset is given, in one step.</remarks>
    /// <exception cref="IOException">Thrown when the file cannot be opened or created.</exception>
    /// <exception cref="UnauthorizedAccessException">Thrown when the file may not be written or created.</exception>
    public static SafeFileHandle OpenForAppending(string path)
    {
        var fd = open(path, ORdWr | OCreat | OAppend | ONonBlock | OCloExec | ONoCtty, 0x1B6);
        if (fd < 0) throw Error(Marshal.GetLastPInvokeError());
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>An exception carrying the system's message for an error number, for example "Permission denied", as .NET would throw it.</summary>
    public static Exception Error(int error, string? what = null)
    {
        var message = what is null ? Marshal.GetPInvokeErrorMessage(error) : $"{what}: {Marshal.GetPInvokeErrorMessage(error)}";
        return error switch
        {
            1 or 13 => new UnauthorizedAccessException(message),
            2 => new FileNotFoundException(message),
            _ => new IOException(message),
        };
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            if (statx(AtFdCwd, "/", 0, StatxType, out _) == 0) return true;
            return Marshal.GetLastPInvokeError() != ENoSys;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // glibc before 2.28 has no statx wrapper.
            return false;
        }
    }

    private static FileStatus Convert(in StatxBuffer b)
    {
        var kind = (b.Mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Unknown,
        };
        var device = ((ulong)b.DeviceMajor << 32) | b.DeviceMinor;
        return new FileStatus(kind, (long)Math.Min(b.Size, long.MaxValue), new FileIdentity(device, b.Inode), b.Links);
    }

    /// <summary><c>struct statx</c> (linux/stat.h): 256 bytes, the fields read here at their fixed offsets.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(0x10)] public uint Links;
        [FieldOffset(0x1C)] public ushort Mode;
        [FieldOffset(0x20)] public ulong Inode;
        [FieldOffset(0x28)] public ulong Size;
        [FieldOffset(0x88)] public uint DeviceMajor;
        [FieldOffset(0x8C)] public uint DeviceMinor;
    }

    [DllImport("libc", SetLastError = true, ExactSpelling = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string pathname, int flags, uint mask, out StatxBuffer statxbuf);

    [DllImport("libc", SetLastError = true, ExactSpelling = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string pathname, int flags, int mode);
}
