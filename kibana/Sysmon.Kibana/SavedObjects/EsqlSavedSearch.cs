using System.Text.Json.Nodes;

namespace Sysmon.Kibana.SavedObjects;

/// <summary>
/// A Discover session whose query is ES|QL (a saved object of type <c>search</c> with <c>isTextBasedQuery</c>):
/// opened from the Saved objects list or shown as a dashboard panel, it runs the query over the time picker's range.
/// The data view is the ad-hoc one ES|QL builds from the FROM clause, so the search carries no references.
/// </summary>
public static class EsqlSavedSearch
{
    /// <summary>The model version of Kibana's <c>search</c> type that has ES|QL searches (Kibana 8.12 and later).</summary>
    public const string TypeMigrationVersion = "10.2.0";

    public static JsonObject Create(string id, string title, string description, string indexPattern, string esql)
    {
        var searchSource = new JsonObject
        {
            ["query"] = new JsonObject { ["esql"] = esql },
            ["index"] = new JsonObject
            {
                ["title"] = indexPattern,
                ["name"] = indexPattern,
                ["timeFieldName"] = "@timestamp",
                ["type"] = "esql",
                ["sourceFilters"] = new JsonArray(),
                ["fieldFormats"] = new JsonObject(),
                ["runtimeFieldMap"] = new JsonObject(),
                ["allowNoIndex"] = false,
                ["allowHidden"] = false,
            },
            ["filter"] = new JsonArray(),
        };
        return new JsonObject
        {
            ["type"] = "search",
            ["id"] = id,
            ["attributes"] = new JsonObject
            {
                ["title"] = title,
                ["description"] = description,
                ["columns"] = new JsonArray(),
                ["sort"] = new JsonArray(),
                ["grid"] = new JsonObject(),
                ["hideChart"] = true,
                ["isTextBasedQuery"] = true,
                ["usesAdHocDataView"] = false,
                ["timeRestore"] = false,
                ["kibanaSavedObjectMeta"] = new JsonObject { ["searchSourceJSON"] = searchSource.ToJsonString() },
            },
            ["references"] = new JsonArray(),
            ["typeMigrationVersion"] = TypeMigrationVersion,
        };
    }

    /// <summary>The ES|QL query a saved search runs, or null for a search of another kind.</summary>
    public static string? QueryOf(JsonObject savedObject)
    {
        if (savedObject["type"]?.GetValue<string>() != "search" || savedObject["attributes"]?["isTextBasedQuery"]?.GetValue<bool>() != true) return null;
        var source = JsonNode.Parse(savedObject["attributes"]!["kibanaSavedObjectMeta"]!["searchSourceJSON"]!.GetValue<string>());
        return source?["query"]?["esql"]?.GetValue<string>();
    }
}
