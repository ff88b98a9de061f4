namespace CreditPolicy.FileSystem;

/// <summary>What a file system entry is, as the operating system says (the <c>S_IFMT</c> bits of its mode on Unix).</summary>
internal enum FileKind
{
    /// <summary>The platform cannot say (no <c>statx</c>); callers fall back to what .NET reports.</summary>
    Unknown,
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
}

/// <summary>Names a <see cref="FileKind"/> in a problem message.</summary>
internal static class FileKinds
{
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        _ => "not a regular file",
    };
}

/// <summary>Which file an entry is: its device and inode. Two paths with the same identity are the same file.</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode);

/// <summary>What <c>statx</c> says of a file: its kind, size, identity and number of hard links (0 once it is deleted).</summary>
internal readonly record struct FileStatus(FileKind Kind, long Size, FileIdentity Identity, uint Links);
