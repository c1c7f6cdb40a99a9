using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// `--help` as System.CommandLine writes it, except for a command that takes settings as extra arguments (`run`):
/// there its fixed "Additional Arguments: Arguments passed to the application that is being run." told a user nothing
/// true, and this says what those arguments are. Its help builder is not public, so the text is replaced.
/// </summary>
public sealed class SettingsHelpAction(SynchronousCommandLineAction help) : SynchronousCommandLineAction
{
    private const string FixedSection = "Additional Arguments:";
    private const string FixedText = "Arguments passed to the application that is being run.";

    private const string SettingsSection = """
        Settings:
          --Section:Name=VALUE         Any setting of appsettings.json, over the file and SYSMON_ environment variables
                                       (--Worker:PollInterval=00:00:05, --Worker:SpoolDirectories:1=/var/spool/b);
                                       README.md, "The worker (`run`)", lists them. Anything else stops `run` with exit code 2.
        """;

    /// <summary>Puts this action on the help option of <paramref name="root"/> (it serves every subcommand).</summary>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: SynchronousCommandLineAction help } helpOption) helpOption.Action = new SettingsHelpAction(help);
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        var configuration = parseResult.InvocationConfiguration;
        var output = configuration.Output;
        var written = new StringWriter();
        configuration.Output = written;
        int code;
        try
        {
            code = help.Invoke(parseResult);
        }
        finally
        {
            configuration.Output = output;
        }
        var text = written.ToString();
        var start = text.IndexOf(FixedSection, StringComparison.Ordinal);
        var end = start < 0 ? -1 : text.IndexOf(FixedText, start, StringComparison.Ordinal);
        if (end >= 0) text = string.Concat(text.AsSpan(0, start), SettingsSection.ReplaceLineEndings(Environment.NewLine), text.AsSpan(end + FixedText.Length));
        output.Write(text);
        return code;
    }
}
