using System.Data.Common;
using Sysmon.Stores.DuckDb;
using Sysmon.Stores.Elasticsearch.Connection;

namespace Sysmon.Elastic.Cli;

/// <summary>The errors a store reports when it cannot take or give data (a full disk, a cluster down, a DuckDB
/// error), as opposed to a defect; commands and the worker say what to do next for these.</summary>
public static class StoreErrors
{
    public static bool Is(Exception ex) =>
        ex is DbException or IOException or UnauthorizedAccessException or StoreException or ElasticsearchUnavailableException
            or ElasticsearchRequestException;
}
