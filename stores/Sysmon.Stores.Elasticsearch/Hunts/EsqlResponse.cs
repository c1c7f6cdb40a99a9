using System.Globalization;
using System.Text.Json;
using Sysmon.Queries;
using Sysmon.Stores.Elasticsearch.Connection;

namespace Sysmon.Stores.Elasticsearch.Hunts;

/// <summary>
/// Reads an ES|QL <c>_query</c> answer (<c>{"columns":[{"name","type"}],"values":[[...]]}</c>) into the same
/// <see cref="HuntResult"/> the DuckDB engine returns: dates as UTC <see cref="DateTime"/>, integers as long,
/// multi-valued cells as lists, missing values as null. Streams the body with <see cref="Utf8JsonReader"/>.
/// </summary>
public static class EsqlResponse
{
    public static HuntResult Read(ReadOnlySpan<byte> body) => Read(body, out _);

    /// <summary>As <see cref="Read(ReadOnlySpan{byte})"/>; <paramref name="partial"/> says the cluster answered with
    /// <c>is_partial: true</c> (some shards or clusters failed, so rows may be missing).</summary>
    public static HuntResult Read(ReadOnlySpan<byte> body, out bool partial)
    {
        try
        {
            return ReadCore(body, out partial);
        }
        catch (JsonException ex)
        {
            throw NotJson.Error("_query", ex);
        }
    }

    private static HuntResult ReadCore(ReadOnlySpan<byte> body, out bool partial)
    {
        partial = false;
        var reader = new Utf8JsonReader(body);
        var columns = new List<string>();
        var types = new List<string>();
        var rows = new List<object?[]>();
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "columns")
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    string? column = null, type = null;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var key = reader.GetString();
                        reader.Read();
                        if (key == "name") column = reader.GetString();
                        else if (key == "type") type = reader.GetString();
                        else reader.Skip();
                    }
                    columns.Add(column ?? "");
                    types.Add(type ?? "keyword");
                }
            }
            else if (name == "values")
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
                {
                    var row = new object?[columns.Count];
                    var i = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var value = reader.TokenType == JsonTokenType.StartArray ? ReadList(ref reader, Type(types, i)) : Scalar(ref reader, Type(types, i));
                        if (i < row.Length) row[i] = value;
                        i++;
                    }
                    rows.Add(row);
                }
            }
            else if (name == "is_partial") partial = reader.TokenType == JsonTokenType.True;
            else reader.Skip();
        }
        return new HuntResult(columns, rows);
    }

    private static string Type(List<string> types, int i) => i < types.Count ? types[i] : "keyword";

    private static List<object?> ReadList(ref Utf8JsonReader reader, string type)
    {
        var list = new List<object?>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) list.Add(Scalar(ref reader, type));
        return list;
    }

    private static object? Scalar(ref Utf8JsonReader reader, string type)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Number:
                if (type is "double" or "float" or "half_float" or "scaled_float" || !reader.TryGetInt64(out var l)) return reader.GetDouble();
                return l;
            case JsonTokenType.String:
                var s = reader.GetString()!;
                if (type is "date" or "date_nanos" && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return t.UtcDateTime;
                return s;
            default:
                reader.Skip();
                return null;
        }
    }
}
