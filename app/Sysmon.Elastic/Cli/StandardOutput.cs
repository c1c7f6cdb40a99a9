using Microsoft.Win32.SafeHandles;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// Standard output for <c>convert -o -</c>. .NET's console stream drops writes to a pipe whose reader has gone:
/// <c>convert big.evtx | head</c> read and converted the whole file into nothing and reported success. Into a pipe,
/// the descriptor is written through a plain stream, which fails with "Broken pipe" instead, and the command stops
/// as Unix tools do on SIGPIPE. A terminal or a file keeps the console stream: a stream of its own over a seekable
/// descriptor would write at positions it tracks itself, under output the shell writes to the same file.
/// </summary>
public static class StandardOutput
{
    private const int BrokenPipe = 32; // EPIPE

    public static Stream Open()
    {
        if (OperatingSystem.IsWindows()) return Console.OpenStandardOutput();
        var pipe = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        if (!pipe.CanSeek) return pipe;
        pipe.Dispose();
        return Console.OpenStandardOutput();
    }

    /// <summary>True for the error a write into a pipe without a reader fails with.</summary>
    public static bool IsReaderGone(Exception ex) =>
        ex is IOException io && (io.HResult == BrokenPipe || io.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase)) ||
        ex.InnerException is { } inner && IsReaderGone(inner);
}
