namespace Sysmon.Elastic.Cli;

/// <summary>Exit codes (architecture.md, "The executable").</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Partial = 1;
    public const int Usage = 2;
    public const int StoreUnreachable = 3;
    /// <summary>The worker stopped on an error it does not know (a defect; the log has the stack trace). sysexits.h's
    /// EX_SOFTWARE, so that a supervisor sees a failure, not a clean exit.</summary>
    public const int InternalError = 70;
    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, the shell's own code for it).</summary>
    public const int Interrupted = 130;
    /// <summary>`convert` stopped because the reader of its output pipe went away (128 + SIGPIPE, the shell's code for a
    /// tool its reader left).</summary>
    public const int OutputReaderGone = 141;
}
