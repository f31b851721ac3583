using System.Runtime.InteropServices;

namespace ServiceDefaults.Native;

/// <summary>The few C library calls the services make on Linux (glibc; elsewhere they throw DllNotFound/EntryPointNotFound).</summary>
internal static class Glibc
{
    private const string Library = "libc.so.6";

    /// <summary><c>which</c> for <see cref="setpriority"/>: one thread (Linux keeps a nice value per thread).</summary>
    public const int PriorityProcess = 0;

    [DllImport(Library, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int malloc_trim(nuint pad);

    [DllImport(Library, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int gettid();

    [DllImport(Library, ExactSpelling = true, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int setpriority(int which, uint who, int prio);
}
