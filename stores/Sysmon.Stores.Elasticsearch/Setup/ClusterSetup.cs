using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sysmon.Stores.Elasticsearch.Connection;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch.Setup;

/// <summary>
/// <c>setup elasticsearch</c>: checks the cluster version, then installs or updates every resource file idempotently.
/// Each installed body carries a hash of the file in <c>_meta.sysmon_resource_hash</c>, so a second run compares
/// hashes and changes nothing; enrich policies cannot be updated in place and are compared field by field, then
/// replaced (the pipeline that names them is removed first and put back after).
/// </summary>
public sealed class ClusterSetup(ElasticsearchConnection es)
{
    /// <summary>ES|QL ENRICH over ip_range needs 8.14, the failure store is GA in 9.1, and this 9.x client speaks to 9.x and later.</summary>
    public static readonly Version MinimumVersion = new(9, 1, 0);

    public const string HashKey = "sysmon_resource_hash";

    /// <summary>How long events are kept (data stream lifecycle), e.g. "30d".</summary>
    public string EventsRetention { get; init; } = "30d";

    /// <summary>How long alerts are kept.</summary>
    public string AlertsRetention { get; init; } = "365d";

    public async Task<Version> CheckVersionAsync(CancellationToken ct)
    {
        var response = await es.SendOkAsync(EsMethod.GET, "/", null, ct).ConfigureAwait(false);
        var number = NotJson.Node(response.Body, "setup")?["version"]?["number"]?.GetValue<string>() ?? "";
        var core = number.Split('-', 2)[0];
        if (!Version.TryParse(core, out var version))
        {
            throw new UnsupportedClusterException($"{es.DisplayUrl} does not report an Elasticsearch version ('{number}'); is it Elasticsearch?");
        }
        if (version < MinimumVersion)
        {
            throw new UnsupportedClusterException($"Elasticsearch {number} at {es.DisplayUrl} is older than {MinimumVersion}, the minimum: ES|QL ENRICH " +
                "over ip_range needs 8.14, the failure store 9.1, and this 9.x client needs a 9.x cluster. Upgrade the cluster.");
        }
        return version;
    }

    public async Task<IReadOnlyList<SetupAction>> InstallAsync(CancellationToken ct)
    {
        await CheckVersionAsync(ct).ConfigureAwait(false);
        var actions = new List<SetupAction>();
        var resources = ClusterResource.All();
        var policyStates = new Dictionary<string, SetupOutcome>(StringComparer.Ordinal);
        foreach (var r in resources.Where(r => r.Kind == ResourceKind.EnrichPolicy))
        {
            policyStates[r.Name] = await PolicyStateAsync(r, ct).ConfigureAwait(false);
        }
        // A policy named by a pipeline cannot be deleted: the pipeline goes first and is put back below.
        var pipelineInTheWay = policyStates.ContainsValue(SetupOutcome.Updated)
            && (await es.SendAsync(EsMethod.GET, "_ingest/pipeline/" + Sysmon.Ingest.Names.EnrichPipeline, (string?)null, ct).ConfigureAwait(false)).IsSuccess;
        foreach (var r in resources)
        {
            switch (r.Kind)
            {
                case ResourceKind.ComponentTemplate:
                    actions.Add(await PutWithHashAsync(r, "_component_template/" + r.Name, Prepare(r),
                        n => n?["component_templates"]?[0]?["component_template"]?["_meta"]?[HashKey], ct).ConfigureAwait(false));
                    break;
                case ResourceKind.IndexTemplate:
                    await InstallIndexTemplateAsync(r, actions, ct).ConfigureAwait(false);
                    break;
                case ResourceKind.Index:
                    actions.Add(await InstallIndexAsync(r, ct).ConfigureAwait(false));
                    break;
                case ResourceKind.EnrichPolicy:
                    var state = policyStates[r.Name];
                    if (state == SetupOutcome.Unchanged)
                    {
                        actions.Add(new SetupAction("enrich policy", r.Name, SetupOutcome.Unchanged));
                        break;
                    }
                    if (state == SetupOutcome.Updated)
                    {
                        if (pipelineInTheWay)
                        {
                            await es.SendAsync(EsMethod.DELETE, "_ingest/pipeline/" + Sysmon.Ingest.Names.EnrichPipeline, (string?)null, ct).ConfigureAwait(false);
                            pipelineInTheWay = false;
                        }
                        await es.SendOkAsync(EsMethod.DELETE, "_enrich/policy/" + r.Name, null, ct).ConfigureAwait(false);
                    }
                    await es.SendOkAsync(EsMethod.PUT, "_enrich/policy/" + r.Name, r.Json, ct).ConfigureAwait(false);
                    actions.Add(new SetupAction("enrich policy", r.Name, state));
                    await es.SendOkAsync(EsMethod.PUT, $"_enrich/policy/{r.Name}/_execute", null, ct).ConfigureAwait(false);
                    actions.Add(new SetupAction("enrich policy", r.Name, SetupOutcome.Executed));
                    break;
                case ResourceKind.IngestPipeline:
                    actions.Add(await PutWithHashAsync(r, "_ingest/pipeline/" + r.Name, Prepare(r),
                        n => n?[r.Name]?["_meta"]?[HashKey], ct).ConfigureAwait(false));
                    break;
            }
        }
        return actions;
    }

    /// <summary>The body as it will be installed (retention filled in), with its hash in <c>_meta</c>.</summary>
    internal JsonObject Prepare(ClusterResource r)
    {
        var body = r.Body();
        if (r.Kind == ResourceKind.IndexTemplate && body["template"]?["lifecycle"] is JsonObject lifecycle)
        {
            lifecycle["data_retention"] = r.Name == Sysmon.Ingest.Names.EventsIndexTemplate ? EventsRetention : AlertsRetention;
        }
        return Stamp(body);
    }

    private static JsonObject Stamp(JsonObject body)
    {
        body.Remove("_meta", out var metaNode);
        var meta = metaNode as JsonObject ?? [];
        meta.Remove(HashKey);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body.ToJsonString() + meta.ToJsonString())))[..16].ToLowerInvariant();
        meta[HashKey] = hash;
        body["_meta"] = meta;
        return body;
    }

    private async Task<SetupAction> PutWithHashAsync(ClusterResource r, string path, JsonObject body, Func<JsonNode?, JsonNode?> installedHash, CancellationToken ct)
    {
        var kind = KindName(r.Kind);
        var current = await es.SendAsync(EsMethod.GET, path, (string?)null, ct).ConfigureAwait(false);
        var wanted = body["_meta"]![HashKey]!.GetValue<string>();
        if (current.IsSuccess && installedHash(NotJson.Node(current.Body, "setup"))?.GetValue<string>() == wanted) return new SetupAction(kind, r.Name, SetupOutcome.Unchanged);
        await es.SendOkAsync(EsMethod.PUT, path, body.ToJsonString(), ct).ConfigureAwait(false);
        return new SetupAction(kind, r.Name, current.Status == 404 ? SetupOutcome.Created : SetupOutcome.Updated);
    }

    private async Task InstallIndexTemplateAsync(ClusterResource r, List<SetupAction> actions, CancellationToken ct)
    {
        var body = Prepare(r);
        var action = await PutWithHashAsync(r, "_index_template/" + r.Name, body,
            n => n?["index_templates"]?[0]?["index_template"]?["_meta"]?[HashKey], ct).ConfigureAwait(false);
        actions.Add(action);
        var stream = r.Name + "-default";
        var created = await es.SendAsync(EsMethod.PUT, "_data_stream/" + stream, (string?)null, ct).ConfigureAwait(false);
        if (created.IsSuccess)
        {
            actions.Add(new SetupAction("data stream", stream, SetupOutcome.Created));
            return;
        }
        if (ErrorReason.Read(created.Body).Type != "resource_already_exists_exception") throw es.Refused(EsMethod.PUT, "_data_stream/" + stream, created);
        if (action.Outcome != SetupOutcome.Updated)
        {
            actions.Add(new SetupAction("data stream", stream, SetupOutcome.Unchanged));
            return;
        }
        // A template change reaches an existing stream's mappings at its next backing index; its retention now.
        var retention = body["template"]?["lifecycle"]?.ToJsonString() ?? "{}";
        await es.SendOkAsync(EsMethod.PUT, $"_data_stream/{stream}/_lifecycle", retention, ct).ConfigureAwait(false);
        actions.Add(new SetupAction("data stream", stream, SetupOutcome.Updated, $"retention set; new mappings apply from the next backing index (POST {stream}/_rollover to apply now)"));
    }

    private async Task<SetupAction> InstallIndexAsync(ClusterResource r, CancellationToken ct)
    {
        var body = r.Body();
        var mappings = Stamp(body["mappings"]!.AsObject().DeepClone().AsObject());
        body["mappings"] = mappings;
        var wanted = mappings["_meta"]![HashKey]!.GetValue<string>();
        var current = await es.SendAsync(EsMethod.GET, r.Name + "/_mapping", (string?)null, ct).ConfigureAwait(false);
        if (current.Status == 404)
        {
            await es.SendOkAsync(EsMethod.PUT, r.Name, body.ToJsonString(), ct).ConfigureAwait(false);
            return new SetupAction("index", r.Name, SetupOutcome.Created);
        }
        if (!current.IsSuccess) throw es.Refused(EsMethod.GET, r.Name + "/_mapping", current);
        var installed = NotJson.Node(current.Body, "setup")?.AsObject().FirstOrDefault().Value?["mappings"]?["_meta"]?[HashKey]?.GetValue<string>();
        if (installed == wanted) return new SetupAction("index", r.Name, SetupOutcome.Unchanged);
        var update = await es.SendAsync(EsMethod.PUT, r.Name + "/_mapping", mappings.ToJsonString(), ct).ConfigureAwait(false);
        if (!update.IsSuccess)
        {
            throw new ElasticsearchRequestException($"the mappings of index {r.Name} cannot be updated in place ({ErrorReason.Read(update.Body).Reason}); " +
                $"reindex it into a new index, delete {r.Name}, and run setup again", update.Status);
        }
        return new SetupAction("index", r.Name, SetupOutcome.Updated);
    }

    // Created when absent (GET answers 200 with an empty list); unchanged when the installed policy has the same type,
    // indices, match field, enrich fields and query; otherwise updated (replaced).
    private async Task<SetupOutcome> PolicyStateAsync(ClusterResource r, CancellationToken ct)
    {
        var current = await es.SendAsync(EsMethod.GET, "_enrich/policy/" + r.Name, (string?)null, ct).ConfigureAwait(false);
        if (!current.IsSuccess || NotJson.Node(current.Body, "setup")?["policies"] is not JsonArray { Count: > 0 } policies) return SetupOutcome.Created;
        var installed = policies[0]!["config"]!.AsObject().First();
        var wanted = r.Body().First();
        if (installed.Key != wanted.Key) return SetupOutcome.Updated;
        var a = installed.Value!.AsObject();
        var b = wanted.Value!.AsObject();
        static JsonArray List(JsonNode? n) => n is JsonArray arr ? arr : [n?.GetValue<string>()];
        var same = JsonNode.DeepEquals(List(a["indices"]), List(b["indices"]))
                   && a["match_field"]?.GetValue<string>() == b["match_field"]?.GetValue<string>()
                   && JsonNode.DeepEquals(a["enrich_fields"], b["enrich_fields"])
                   && JsonNode.DeepEquals(a["query"], b["query"]);
        return same ? SetupOutcome.Unchanged : SetupOutcome.Updated;
    }

    private static string KindName(ResourceKind kind) => kind switch
    {
        ResourceKind.ComponentTemplate => "component template",
        ResourceKind.IndexTemplate => "index template",
        ResourceKind.Index => "index",
        ResourceKind.EnrichPolicy => "enrich policy",
        _ => "ingest pipeline",
    };
}
