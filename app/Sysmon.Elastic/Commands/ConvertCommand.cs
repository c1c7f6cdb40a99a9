using System.CommandLine;
using Sysmon.Elastic.Cli;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Elastic.Commands;

/// <summary><c>convert PATH... [-o FILE|-]</c>: Sysmon events in, ECS NDJSON out, no store.</summary>
public static class ConvertCommand
{
    public const string DefaultDeadLetterName = "sysmon-elastic.deadletter.ndjson";

    public static Command Create()
    {
        var reading = new ReadingOptions();
        var output = new Option<string>("--output", "-o")
        {
            Description = "Where to write the NDJSON ('-' = standard output).",
            DefaultValueFactory = _ => "-",
        };
        var command = new Command("convert", "Convert Sysmon events (EVTX, XML, JSON, message text, event log CSV; plain, gzip-compressed or in zip/tar archives) to ECS NDJSON.");
        reading.AddTo(command);
        command.Options.Add(output);
        command.SetAction((result, ct) => RunAsync(result, reading, output, ct));
        return command;
    }

    private static Task<int> RunAsync(ParseResult result, ReadingOptions reading, Option<string> outputOption, CancellationToken ct) =>
        CommandErrors.RunAsync(async stderr =>
        {
            var files = reading.ExpandInputs(result, out var skipped);
            var source = reading.CreateSource(result);
            var mapper = reading.CreateMapper(result, stderr);
            var output = result.GetValue(outputOption) ?? "-";
            var deadLetterPath = result.GetValue(reading.DeadLetter) ??
                                 (output == "-" ? DefaultDeadLetterName : output + ".deadletter.ndjson");
            var outStream = output == "-"
                ? StandardOutput.Open()
                : new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            RunSummary summary;
            // Ctrl+C or SIGTERM stops reading; what was converted is written out whole (the runtime's own handling
            // ended the process with up to 64 KB unwritten and the last line cut).
            using var signals = new StopSignals(ct);
            using var deadLetters = new DeadLetterWriter(deadLetterPath);
            var sink = new NdjsonSink(outStream, ownsStream: output != "-");
            var progress = ProgressReporter.ForStandardError();
            try
            {
                await using (sink.ConfigureAwait(false))
                {
                    var pipeline = new EventPipeline(source, mapper, sink, deadLetters) { OnProgress = progress.Report };
                    try
                    {
                        summary = await pipeline.RunAsync(files, signals.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
                    {
                        progress.Finish();
                        await stderr.WriteLineAsync($"interrupted: {sink.Written:N0} events written to {(output == "-" ? "standard output" : output)} " +
                                                    "before the stop, each a whole line; run the command again to convert everything").ConfigureAwait(false);
                        return ExitCodes.Interrupted;
                    }
                    progress.Finish();
                }
            }
            catch (Exception ex) when (output == "-" && StandardOutput.IsReaderGone(ex))
            {
                // `convert ... | head`: the reader has what it wanted; converting the rest for nobody is not done.
                progress.Finish();
                await stderr.WriteLineAsync("stopped: the reader of standard output went away; the rest was not converted").ConfigureAwait(false);
                return ExitCodes.OutputReaderGone;
            }
            summary.Warnings.AddRange(ReadingOptions.InputWarnings(files, skipped));
            await stderr.WriteAsync(summary.Format("converted")).ConfigureAwait(false);
            return summary.ExitCode;
        });
}
