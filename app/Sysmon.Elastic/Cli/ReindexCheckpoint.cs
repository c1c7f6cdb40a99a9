using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// Where a `reindex` got to: the source's position of the last event the destination has stored, for which copy
/// (source, destination, re-enrichment). Saved after each flush, removed when the copy ends; a run that finds one for
/// the same copy goes on after its position.
/// </summary>
public sealed record ReindexCheckpoint(string Source, string Destination, bool ReEnrich, string Position, long Copied, DateTimeOffset Saved)
{
    /// <summary>The id of the source's event at <see cref="Position"/> ("" for none), so that a source replaced at the
    /// same path is told from the one the copy began on; null in a checkpoint of an older version, which is not checked.</summary>
    public string? PositionId { get; init; }

    public const string DefaultPath = "sysmon-elastic.reindex.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The checkpoint at <paramref name="path"/>, or null when there is none.</summary>
    /// <exception cref="UsageException">The file is not a reindex checkpoint.</exception>
    public static ReindexCheckpoint? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ReindexCheckpoint>(File.ReadAllText(path), Json)
                   ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{path} is not a reindex checkpoint ({ex.Message}); give another --checkpoint, or delete it to copy from the start");
        }
    }

    public void Save(string path) => AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, this, Json));

    /// <summary>True when this checkpoint is of the copy described (the same stores, the same re-enrichment).</summary>
    public bool IsFor(string source, string destination, bool reEnrich) =>
        Source == source && Destination == destination && ReEnrich == reEnrich;

    /// <summary>Why the source no longer holds the copy's position, or null when it does (or the checkpoint cannot tell).</summary>
    public string? Mismatch(string? idNow) =>
        PositionId is null || PositionId == (idNow ?? "") ? null
        : $"the source has changed since it was saved: its event at position {Position} was {(PositionId.Length == 0 ? "none" : PositionId)}, " +
          $"and is now {idNow ?? "none"}, so going on from there could skip events";

    [JsonIgnore]
    public string Describe => $"{Copied:N0} events copied from {Source} into {Destination}{(ReEnrich ? " (re-enriched)" : "")}, saved {Saved:yyyy-MM-dd HH:mm:ss'Z'}";
}
