using System.IO.Compression;
using System.Net;
using System.Text;

namespace Sysmon.Enrich.Feeds;

/// <summary>The outcome of one download: a feed's payload as UTF-8 bytes (unpacked, no BOM), or word that it has not changed.</summary>
public sealed record FeedPayload(ReadOnlyMemory<byte> Body, bool NotModified, string? ETag, string? LastModified);

/// <summary>
/// Fetches a feed: conditional GET (ETag / Last-Modified: a 304 costs nothing), a size cap, gzip and zip payloads,
/// file:// for local feeds. The HttpClient comes from IHttpClientFactory with timeouts and retries configured by
/// the host. Errors are <see cref="FeedException"/>s whose messages never contain a credential.
/// </summary>
public sealed class FeedDownloader(HttpClient http, long maxBytes = 64L * 1024 * 1024)
{
    public async Task<FeedPayload> FetchAsync(FeedDefinition feed, FeedState state, CancellationToken ct)
    {
        var key = feed.AuthKeyEnvironmentVariable is { } env ? Environment.GetEnvironmentVariable(env) : null;
        var url = feed.Url.Replace("{authKey}", key ?? "", StringComparison.Ordinal);
        string Safe(string message) => SecretRedactor.Redact(message, [key]);
        try
        {
            if (!url.Contains("://", StringComparison.Ordinal) || url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            {
                var path = url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(url).LocalPath : url;
                var info = new FileInfo(path);
                if (!info.Exists) throw new FeedException($"{feed.Name}: file {path} does not exist");
                if (info.Length > maxBytes) throw new FeedException($"{feed.Name}: {info.Length} bytes is over the {maxBytes}-byte cap");
                // A file's size and time stand for an ETag: a list that has not changed is not read, replaced and
                // loaded again at each refresh (a million hashes: ~10 s of the store's time and ~660 MB, for nothing).
                var version = FileVersion(info);
                if (state.ETag == version) return new FeedPayload(default, true, state.ETag, state.LastModified);
                return new FeedPayload(Decode(await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false), path), false, version, null);
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (key is not null) request.Headers.TryAddWithoutValidation("Auth-Key", key);
            if (state.ETag is { } etag) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            if (state.LastModified is { } lastModified) request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified) return new FeedPayload(default, true, state.ETag, state.LastModified);
            if (!response.IsSuccessStatusCode)
            {
                throw new FeedException($"{feed.Name}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
            {
                throw new FeedException($"{feed.Name}: {length} bytes announced, over the {maxBytes}-byte cap");
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            // Sized as announced: grown by doubling, a 65 MB list's buffer reached 128 MB.
            using var buffer = new MemoryStream((int)Math.Min(response.Content.Headers.ContentLength ?? 0, Array.MaxLength));
            var chunk = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > maxBytes) throw new FeedException($"{feed.Name}: body over the {maxBytes}-byte cap");
                buffer.Write(chunk, 0, n);
            }
            var payload = Decode(new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), url);
            return new FeedPayload(payload, false, response.Headers.ETag?.ToString(),
                response.Content.Headers.LastModified?.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (FeedException ex)
        {
            throw new FeedException(Safe(ex.Message));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or InvalidDataException or UriFormatException
                                       or Polly.ExecutionRejectedException && !(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            // (Cancelled by the caller, e.g. the worker stopping, it is no failure of the feed's and goes up as it is.)
            var reason = ex is Polly.Timeout.TimeoutRejectedException || (ex is TaskCanceledException && !ct.IsCancellationRequested)
                ? "timed out"
                : ex.Message;
            throw new FeedException(Safe($"{feed.Name}: download failed: {reason}"));
        }
    }

    private static string FileVersion(FileInfo file) =>
        $"file:{file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{file.LastWriteTimeUtc.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    // gzip (magic 1f 8b) and zip (PK\3\4, first entry) payloads are unpacked; text is UTF-8, a BOM skipped. Bytes
    // are handed on where they lie: a copy, or the payload as one string, was its size again (twice, as UTF-16).
    private static ReadOnlyMemory<byte> Decode(ArraySegment<byte> bytes, string name)
    {
        if (bytes.Count > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false), CompressionMode.Decompress);
            return WithoutBom(ReadAll(gz));
        }
        if (bytes.Count > 4 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K' && bytes[2] == 3 && bytes[3] == 4)
        {
            using var zip = new ZipArchive(new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false), ZipArchiveMode.Read);
            var entry = zip.Entries.FirstOrDefault(e => e.Length > 0) ?? throw new FeedException($"{name}: empty zip archive");
            using var unpacked = entry.Open();
            return WithoutBom(ReadAll(unpacked));
        }
        return WithoutBom(bytes);
    }

    private static ArraySegment<byte> ReadAll(Stream unpacked)
    {
        var buffer = new MemoryStream();
        unpacked.CopyTo(buffer);
        return new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static ReadOnlyMemory<byte> WithoutBom(ArraySegment<byte> bytes) =>
        bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? bytes[Encoding.UTF8.Preamble.Length..] : bytes;
}

/// <summary>A feed that could not be fetched or is not acceptable; the message names the feed and never a secret.</summary>
public sealed class FeedException(string message) : Exception(message);
