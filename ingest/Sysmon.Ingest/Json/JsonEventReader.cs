using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Sysmon.Ingest.Catalogue;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Json;

/// <summary>
/// JSON input: one object per line, a JSON array of objects, concatenated (pretty-printed) objects, or saved
/// Elasticsearch search responses (<see cref="SearchResponseEnvelope"/>: each hit is a record). Each
/// object is cut out by <see cref="JsonObjectSplitter"/> and parsed alone, so a bad line costs only itself.
/// </summary>
public sealed class JsonEventReader(EventCatalogue? catalogue = null) : IEventReader
{
    private readonly JsonEventLayouts _layouts = new(catalogue ?? EventCatalogue.Default);

    public InputFormat Format => InputFormat.Json;

    /// <summary>
    /// True when a file's first bytes (UTF-8) open a saved search response and reach its <c>hits.hits</c> array: one
    /// object however many hits it holds, so a reader that takes a file in record-sized pieces must read it whole.
    /// </summary>
    public static bool StartsSearchResponse(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(JsonObjectSplitter.Bom)) head = head[JsonObjectSplitter.Bom.Length..];
        head = head.TrimStart(" \t\r\n"u8);
        return !head.IsEmpty && head[0] == (byte)'{' &&
               SearchResponseEnvelope.TryEnter(head, final: false, out _, out _) == SearchResponseEnvelope.Entry.Entered;
    }

    public async IAsyncEnumerable<ReadResult> ReadAsync(Stream stream, string path, ReaderOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var scanner = new ByteScanner(stream, options.MaxRecordBytes);
        var fields = new JsonFields(new JsonPathTree(), new Utf8ValueCache());
        await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
        // A saved _search response is looked for where one can start: at the file's start and after another one.
        var mayBeResponse = true;
        var inHits = false;
        var responseOpen = 0;
        SearchResponseEnvelope.Tail? tail = null;
        while (!scanner.EndOfStream)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (tail is { } rest)
            {
                scanner.Consume(rest.Skip(scanner.Window));
                tail = rest.Open == 0 ? null : rest;
                if (tail is not null) await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (inHits)
            {
                var w = scanner.Window;
                var blanks = 0;
                while (blanks < w.Length && w[blanks] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)',') blanks++;
                if (blanks > 0)
                {
                    scanner.Consume(blanks);
                    continue;
                }
                if (w.IsEmpty)
                {
                    await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (w[0] == (byte)']')
                {
                    // The hits are read: what is left of the response (the ] itself, and the objects around it) is stepped over.
                    inHits = false;
                    mayBeResponse = true;
                    tail = new SearchResponseEnvelope.Tail(responseOpen);
                    continue;
                }
            }
            else if (mayBeResponse)
            {
                var w = scanner.Window.TrimStart(" \t\r\n"u8);
                if (!w.IsEmpty && w[0] == (byte)'{')
                {
                    var entry = SearchResponseEnvelope.TryEnter(w, scanner.Exhausted || scanner.Full, out var consumed, out var open);
                    if (entry == SearchResponseEnvelope.Entry.NeedMore)
                    {
                        await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    mayBeResponse = false;
                    if (entry == SearchResponseEnvelope.Entry.Entered)
                    {
                        scanner.Consume(scanner.Window.Length - w.Length + consumed);
                        inHits = true;
                        responseOpen = open;
                        continue;
                    }
                }
            }
            // One object per line (NDJSON, the shippers' form) is cut at its line's end and parsed at once; anything
            // else, or a line that does not parse as one object, goes through the splitter as before.
            var loaded = OneObjectLine(scanner.Window, out var length) && TryLoad(fields, scanner.Window[..length]);
            var outcome = loaded ? JsonObjectSplitter.Outcome.Object : JsonObjectSplitter.Next(scanner.Window, scanner.Exhausted || scanner.Full, out _, out length);
            switch (outcome)
            {
                case JsonObjectSplitter.Outcome.NeedMore:
                    await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                case JsonObjectSplitter.Outcome.Skip:
                    scanner.Consume(length);
                    if (length == 0) await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                case JsonObjectSplitter.Outcome.Junk:
                {
                    var position = new SourcePosition(path, scanner.Line, scanner.Offset);
                    var excerpt = Encoding.UTF8.GetString(scanner.Window[..Math.Min(length, ReadResult.MaxExcerptChars)]);
                    var reason = scanner.Full && length == scanner.Window.Length
                        ? $"JSON record larger than {options.MaxRecordBytes} bytes"
                        : excerpt.TrimStart().StartsWith('{') ? "malformed JSON: object cut off (truncated line?)" : "not JSON: expected an object";
                    scanner.Consume(length);
                    yield return ReadResult.Reject(position, reason, excerpt.TrimEnd('\r', '\n'));
                    continue;
                }
            }
            var objectPosition = new SourcePosition(path, scanner.Line, scanner.Offset);
            var bytes = scanner.Window[..length];
            ReadResult result;
            try
            {
                if (!loaded) fields.Load(bytes);
                var e = _layouts.ToEvent(fields, out var error);
                if (e is null)
                {
                    result = ReadResult.Reject(objectPosition, error ?? "not a Sysmon event", Excerpt(bytes));
                }
                else
                {
                    e.Position = objectPosition;
                    if (options.KeepOriginal) e.Original = Encoding.UTF8.GetString(bytes);
                    result = ReadResult.Of(e);
                }
            }
            catch (JsonException ex)
            {
                result = ReadResult.Reject(objectPosition, "malformed JSON: " + ex.Message, Excerpt(bytes));
            }
            scanner.Consume(length);
            yield return result;
        }
    }

    /// <summary>True when <paramref name="window"/> starts a line that opens with <c>{</c> and ends with <c>}</c> (blanks
    /// and a CR aside); <paramref name="length"/> is then the bytes up to that brace. The splitter's byte-by-byte walk
    /// of such a line cost ~2.4 µs of a fleet event's ~10 µs of reading (bench: split, read); the line end is found in SIMD.</summary>
    internal static bool OneObjectLine(ReadOnlySpan<byte> window, out int length)
    {
        length = 0;
        if (window.IsEmpty || window[0] != (byte)'{') return false;
        var end = window.IndexOf((byte)'\n');
        if (end < 0) return false;
        var line = window[..end].TrimEnd(" \t\r"u8);
        if (line.Length < 2 || line[^1] != (byte)'}') return false;
        length = line.Length;
        return true;
    }

    // A line that does not parse alone (two objects on it, an array's items) is left to the splitter, which also
    // words the reason when it is bad.
    private static bool TryLoad(JsonFields fields, ReadOnlySpan<byte> line)
    {
        try
        {
            fields.Load(line);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Excerpt(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, ReadResult.MaxExcerptChars)]);
}
