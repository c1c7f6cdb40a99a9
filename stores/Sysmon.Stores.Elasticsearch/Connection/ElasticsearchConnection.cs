using System.Security.Cryptography.X509Certificates;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch.Connection;

/// <summary>An answer from the cluster: status and body (JSON unless asked otherwise).</summary>
public readonly record struct EsResponse(int Status, byte[] Body)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>
/// One configured client for one cluster. Typed calls go through <see cref="Client"/>; the resource files, the bulk
/// bodies (already serialized, gzip on the wire) and ES|QL go through <see cref="SendAsync"/> as raw JSON, because
/// they are JSON already and reshaping them into request objects would only add a place to get them wrong.
/// </summary>
public sealed class ElasticsearchConnection
{
    public ElasticsearchConnection(ElasticsearchOptions options)
    {
        Options = options;
        var settings = new ElasticsearchClientSettings(new SingleNodePool(options.Url))
            .RequestTimeout(options.RequestTimeout)
            .EnableHttpCompression()
            .ThrowExceptions(false);
        if (options.ApiKey is { } key) settings = settings.Authentication(new ApiKey(key));
        else if (options.Username is { } user) settings = settings.Authentication(new BasicAuthentication(user, options.Password ?? ""));
        if (options.Insecure) settings = settings.ServerCertificateValidationCallback(CertificateValidations.AllowAll);
        else if (options.CaFingerprint is { } fingerprint) settings = settings.CertificateFingerprint(fingerprint.Replace(":", "", StringComparison.Ordinal));
        else if (options.CaFile is { } caFile) settings = settings.ServerCertificateValidationCallback(CertificateValidations.AuthorityIsRoot(LoadCertificate(caFile)));
        Client = new ElasticsearchClient(settings);
    }

    public ElasticsearchOptions Options { get; }

    public ElasticsearchClient Client { get; }

    public string DisplayUrl => Options.DisplayUrl;

    /// <summary>Sends a raw request. A connection, TLS or authentication failure throws
    /// <see cref="ElasticsearchUnavailableException"/>; any other status is returned for the caller to judge.</summary>
    public async Task<EsResponse> SendAsync(EsMethod method, string path, ReadOnlyMemory<byte>? body, CancellationToken ct,
        string contentType = "application/json")
    {
        var response = await RequestAsync<BytesResponse>(method, path, body, contentType, ct).ConfigureAwait(false);
        return new EsResponse(Status(response.ApiCallDetails, ct), response.Body ?? []);
    }

    /// <summary>As <see cref="SendAsync(EsMethod, string, ReadOnlyMemory{byte}?, CancellationToken, string)"/>, with the
    /// texts of the cluster's Warning headers (ES|QL says there which values it treated as null).</summary>
    public async Task<(EsResponse Response, IReadOnlyList<string> Warnings)> SendWithWarningsAsync(EsMethod method, string path, ReadOnlyMemory<byte> body,
        CancellationToken ct)
    {
        var response = await RequestAsync<Elastic.Transport.Products.Elasticsearch.ElasticsearchStringResponse>(method, path, body, "application/json", ct)
            .ConfigureAwait(false);
        var status = Status(response.ApiCallDetails, ct);
        var warnings = response.ElasticsearchWarnings.Select(WarningHeader.Text).ToList();
        return (new EsResponse(status, System.Text.Encoding.UTF8.GetBytes(response.Body ?? "")), warnings);
    }

    private Task<T> RequestAsync<T>(EsMethod method, string path, ReadOnlyMemory<byte>? body, string contentType, CancellationToken ct)
        where T : TransportResponse, new()
    {
        var config = new RequestConfiguration { ContentType = contentType, Accept = "application/json" };
        return Client.Transport.RequestAsync<T>(new EndpointPath(method, path), body is { } b ? PostData.ReadOnlyMemory(b) : null, null, config, ct);
    }

    // The status of an answer; no answer at all (connection, TLS) and a refused login are exceptions.
    private int Status(ApiCallDetails details, CancellationToken ct)
    {
        if (details.HttpStatusCode is not int status)
        {
            ct.ThrowIfCancellationRequested();
            throw new ElasticsearchUnavailableException($"Elasticsearch at {DisplayUrl} is unreachable: {Cause(details.OriginalException)}",
                details.OriginalException);
        }
        if (status == 401)
        {
            throw new ElasticsearchUnavailableException($"Elasticsearch at {DisplayUrl} refused the credentials (401): set {ElasticsearchOptions.ApiKeyVariable} " +
                $"or {ElasticsearchOptions.UsernameVariable}/{ElasticsearchOptions.PasswordVariable}", null, transient: false);
        }
        return status;
    }

    public Task<EsResponse> SendAsync(EsMethod method, string path, string? json, CancellationToken ct) =>
        SendAsync(method, path, json is null ? null : System.Text.Encoding.UTF8.GetBytes(json), ct);

    /// <summary>Sends and insists on a 2xx answer; otherwise throws with the cluster's own reason.</summary>
    public async Task<EsResponse> SendOkAsync(EsMethod method, string path, string? json, CancellationToken ct)
    {
        var response = await SendAsync(method, path, json, ct).ConfigureAwait(false);
        if (!response.IsSuccess) throw Refused(method, path, response);
        return response;
    }

    /// <summary>How many documents of <paramref name="index"/> match <paramref name="query"/> (<c>_count</c>); null when
    /// the index does not exist, which each caller reads its own way.</summary>
    public async Task<long?> CountAsync(string index, object query, CancellationToken ct)
    {
        var path = index + "/_count";
        var response = await SendAsync(EsMethod.POST, path, System.Text.Json.JsonSerializer.Serialize(new { query }), ct).ConfigureAwait(false);
        if (response.Status == 404) return null;
        if (!response.IsSuccess) throw Refused(EsMethod.POST, path, response);
        using var result = NotJson.Parse(response.Body, "_count");
        return result.RootElement.GetProperty("count").GetInt64();
    }

    public ElasticsearchRequestException Refused(EsMethod method, string path, EsResponse response)
    {
        var (type, reason) = ErrorReason.Read(response.Body);
        return new ElasticsearchRequestException($"{method} {path} on {DisplayUrl} failed ({response.Status}{(type is null ? "" : ", " + type)}): {reason}",
            response.Status, type);
    }

    // The innermost message says what happened (connection refused, name not resolved, certificate rejected).
    private static string Cause(Exception? e)
    {
        if (e is null) return "no answer";
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }

    private static X509Certificate2 LoadCertificate(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"{ElasticsearchOptions.CaFileVariable} '{path}' is not a readable certificate: {e.Message}", e);
        }
    }
}
