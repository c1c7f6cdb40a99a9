using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Sysmon.Kibana.Import;

/// <summary>
/// The two Kibana calls <c>setup kibana</c> needs: wait until Kibana says it is available (it starts minutes after
/// Elasticsearch in a fresh stack), then import the saved objects with <c>overwrite=true</c>, which makes running
/// setup again update them in place. Both go through Kibana's public HTTP API with the <c>kbn-xsrf</c> header it
/// requires.
/// </summary>
public sealed class KibanaClient : IDisposable
{
    public const string ImportFileName = "sysmon-elastic.ndjson";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private readonly HttpClient _http;

    public KibanaClient(KibanaOptions options, HttpMessageHandler? handler = null)
    {
        Options = options;
        _http = new HttpClient(handler ?? Handler(options), disposeHandler: true)
        {
            Timeout = options.RequestTimeout,
        };
        _http.DefaultRequestHeaders.Add("kbn-xsrf", "sysmon-elastic");
        if (options.ApiKey is { } key)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        }
        else if (options.Username is { } user)
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{options.Password}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }
    }

    public KibanaOptions Options { get; }

    private static SocketsHttpHandler Handler(KibanaOptions options)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (options.CaFile is { } file)
        {
            var ca = KibanaTrust.LoadCa(file);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => KibanaTrust.Accepts(ca, certificate, errors);
        }
        return handler;
    }

    /// <summary>Polls <c>GET /api/status</c> until Kibana reports its overall level as available. A refused login
    /// fails at once (waiting would not fix it); anything else is retried until <paramref name="wait"/> has passed.</summary>
    public async Task WaitUntilAvailableAsync(TimeSpan wait, Action<string>? progress, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + wait;
        string? lastReported = null;
        while (true)
        {
            string reason;
            try
            {
                using var response = await _http.GetAsync(Options.Api("/api/status"), ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                ThrowIfLoginRefused(response.StatusCode, body);
                var level = OverallLevel(body);
                if (IsReady((int)response.StatusCode, level))
                {
                    if (level is "degraded") progress?.Invoke($"{Options.DisplayUrl}: Kibana reports itself degraded (some plugin is); importing anyway");
                    return;
                }
                reason = $"HTTP {(int)response.StatusCode}, status {level ?? "unknown"}";
            }
            catch (HttpRequestException e)
            {
                reason = e.InnerException?.Message ?? e.Message;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                reason = "no answer within " + _http.Timeout.TotalSeconds + " s";
            }
            if (DateTime.UtcNow + RetryDelay > deadline)
            {
                throw new KibanaUnavailableException($"Kibana at {Options.DisplayUrl} is not available after {wait.TotalSeconds:0} s ({reason})");
            }
            if (reason != lastReported) progress?.Invoke($"{Options.DisplayUrl}: waiting for Kibana ({reason})");
            lastReported = reason;
            await Task.Delay(RetryDelay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Kibana serves its APIs when its overall level is available, and also when degraded (a plugin such as
    /// reporting is unwell); unavailable and critical mean it is starting or cannot reach Elasticsearch.</summary>
    internal static bool IsReady(int status, string? level) => status is >= 200 and < 300 && level is "available" or "degraded";

    // 8.x and 9.x answer {"status":{"overall":{"level":"available"}}}; older ones {"status":{"overall":{"state":"green"}}}.
    internal static string? OverallLevel(string body)
    {
        try
        {
            var overall = JsonNode.Parse(body)?["status"]?["overall"];
            return overall?["level"]?.GetValue<string>() ?? (overall?["state"]?.GetValue<string>() is "green" ? "available" : overall?["state"]?.GetValue<string>());
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Imports the NDJSON into the chosen space, overwriting objects with the same ids.</summary>
    public async Task<ImportResult> ImportAsync(byte[] ndjson, CancellationToken ct)
    {
        using var content = ImportContent(ndjson);
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(Options.Api("/api/saved_objects/_import?overwrite=true"), content, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new KibanaUnavailableException($"Kibana at {Options.DisplayUrl} could not be reached: {e.InnerException?.Message ?? e.Message}", e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            ThrowIfLoginRefused(response.StatusCode, body);
            if (!response.IsSuccessStatusCode)
            {
                throw new KibanaRequestException($"Kibana at {Options.DisplayUrl} refused the import: HTTP {(int)response.StatusCode} {Message(body)}", (int)response.StatusCode);
            }
            try
            {
                return ImportResult.Parse(body);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException)
            {
                // A proxy's page, or something else at that URL that is not Kibana.
                throw new KibanaRequestException($"{Options.DisplayUrl} answered the import with something other than Kibana's JSON: {Message(body)}", (int)response.StatusCode);
            }
        }
    }

    /// <summary>The multipart form Kibana's import takes: one part named <c>file</c> holding an .ndjson file.</summary>
    internal static MultipartFormDataContent ImportContent(byte[] ndjson)
    {
        var file = new ByteArrayContent(ndjson);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/ndjson");
        // Quoted name and file name only, as curl --form sends them: .NET's own Add(content, name, fileName) also
        // writes an RFC 5987 filename*, which not every multipart parser reads.
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = $"\"{ImportFileName}\"" };
        var form = new MultipartFormDataContent();
        form.Add(file);
        return form;
    }

    private void ThrowIfLoginRefused(HttpStatusCode status, string body)
    {
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var who = Options.ApiKey is not null ? "the API key" : Options.Username is { } u ? $"user '{u}'" : "no credentials";
            throw new KibanaRequestException(
                $"Kibana at {Options.DisplayUrl} refused {who}: HTTP {(int)status} {Message(body)} " +
                $"(set {KibanaOptions.ApiKeyVariable}, or {KibanaOptions.UsernameVariable} and {KibanaOptions.PasswordVariable}; " +
                "the user needs the Kibana privilege to manage saved objects)", (int)status);
        }
    }

    // Kibana's errors are {"statusCode":400,"error":"Bad Request","message":"..."}; anything else is shown cut short.
    private static string Message(string body)
    {
        try
        {
            if (JsonNode.Parse(body)?["message"]?.GetValue<string>() is { } m) return m;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return body.Length > 200 ? body[..200] + "…" : body;
    }

    public void Dispose() => _http.Dispose();
}
