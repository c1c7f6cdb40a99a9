using System.CommandLine;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Reading;

namespace Sysmon.Elastic.Cli;

/// <summary>The options every command that reads Sysmon files shares (convert, ingest, run).</summary>
public sealed class ReadingOptions
{
    public Argument<string[]> Paths { get; } = new("paths")
    {
        Description = "Files or directories to read ('-' for standard input). Directories are walked; .gz, .zip and .tar (.tar.gz) are read through.",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<string> Format { get; } = new("--format")
    {
        Description = "Input format: auto (sniffed from content), evtx, xml, json, text or csv.",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string?> Host { get; } = new("--host")
    {
        Description = "host.name for inputs that carry no computer name (rendered message text).",
    };

    public Option<string[]> Channel { get; } = new("--channel")
    {
        Description = "Channels to keep (repeatable); '*' keeps every channel. Default: Sysmon's (Windows and Linux).",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<bool> KeepOriginal { get; } = new("--keep-original")
    {
        Description = "Keep each record's original text in event.original.",
    };

    public Option<string?> DeadLetter { get; } = new("--dead-letter")
    {
        Description = "File for rejected records (file, position, reason). Default: beside the output.",
    };

    public Option<string?> PublicSuffixList { get; } = new("--public-suffix-list")
    {
        Description = $"Public Suffix List file for dns.question.registered_domain (default {Ingest.Ecs.PublicSuffixList.DefaultPath}).",
    };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Paths);
        command.Options.Add(Format);
        command.Options.Add(Host);
        command.Options.Add(Channel);
        command.Options.Add(KeepOriginal);
        command.Options.Add(DeadLetter);
        command.Options.Add(PublicSuffixList);
    }

    /// <summary>The inputs named on the command line; a missing one is a usage error naming it.</summary>
    public List<Ingest.Pipeline.InputFile> ExpandInputs(ParseResult result, out Ingest.Pipeline.InputSkips skipped)
    {
        var files = Ingest.Pipeline.InputFiles.Expand(result.GetValue(Paths) ?? [], out var missing, out skipped);
        // A misspelt option (--to for --format) lands among the paths: named as an option, not as a missing file.
        if (missing.Count > 0) throw new UsageException(string.Join("; ", missing.Select(m => m.StartsWith('-')
            ? $"'{m}' is not an option of {result.CommandResult.Command.Name} (see {result.CommandResult.Command.Name} --help)"
            : $"input '{m}' does not exist")));
        return files;
    }

    /// <summary>What the summary says about the inputs found: files of unknown extensions, empty files and linked
    /// directories skipped in directories, and none found at all (a directory named by mistake ended in "0 events from
    /// 0 file(s)" and nothing else).</summary>
    public static IEnumerable<string> InputWarnings(IReadOnlyCollection<Ingest.Pipeline.InputFile> files, Ingest.Pipeline.InputSkips skipped)
    {
        if (skipped.UnknownExtension > 0) yield return $"{skipped.UnknownExtension} file(s) with unknown extensions skipped in directories";
        if (skipped.Empty > 0) yield return $"{skipped.Empty} empty file(s) skipped in directories (or pipes or devices: they show no length)";
        foreach (var link in skipped.LinkedDirectories)
        {
            yield return $"{link}: a linked directory, not followed (name its target to read it)";
        }
        if (files.Count == 0 && skipped.Empty == 0)
            yield return $"no input found: the directories named hold no file of the extensions read ({Ingest.Pipeline.InputFiles.KnownExtensionList})";
    }

    public InputFormat ParseFormat(ParseResult result)
    {
        var text = result.GetValue(Format) ?? "auto";
        return text.ToLowerInvariant() switch
        {
            "auto" => InputFormat.Auto,
            "evtx" => InputFormat.Evtx,
            "xml" => InputFormat.Xml,
            "json" or "ndjson" => InputFormat.Json,
            "text" or "txt" => InputFormat.Text,
            "csv" => InputFormat.Csv,
            _ => throw new UsageException($"--format '{text}' is not one of auto, evtx, xml, json, text, csv"),
        };
    }

    public EventSource CreateSource(ParseResult result) =>
        new(ParseFormat(result), ParseChannels(result), new ReaderOptions { KeepOriginal = result.GetValue(KeepOriginal) });

    private ChannelFilter ParseChannels(ParseResult result) => UsageException.From(() => ChannelFilter.From(result.GetValue(Channel)), "--channel: ");

    public EcsMapper CreateMapper(ParseResult result, TextWriter diagnostics)
    {
        var pslPath = result.GetValue(PublicSuffixList);
        var psl = Ingest.Ecs.PublicSuffixList.TryLoad(pslPath);
        if (psl is null)
        {
            if (pslPath is not null) throw new UsageException($"--public-suffix-list: file '{pslPath}' not found");
            diagnostics.WriteLine(
                $"note: no Public Suffix List at {Ingest.Ecs.PublicSuffixList.DefaultPath} (Debian package 'publicsuffix'); " +
                "dns.question.registered_domain/subdomain/top_level_domain are left out");
        }
        return new EcsMapper(new EcsMapperOptions
        {
            HostName = result.GetValue(Host),
            KeepOriginal = result.GetValue(KeepOriginal),
            PublicSuffixes = psl,
        });
    }
}
