using FluentAssertions;
using Sysmon.Queries.Esql;
using Sysmon.Queries.Tests.Fixtures;
using Xunit;

namespace Sysmon.Queries.Tests;

/// <summary>KQL("…") inside ES|QL on the embedded store: Kibana's query language with Elasticsearch's answers
/// (two-valued, any value of a multi-valued field, unknown fields matching nothing).</summary>
public sealed class KqlTests : IDisposable
{
    private readonly InMemoryTable _t = new("t", ["process.name", "event.type", "event.action", "process.pid", "message"], """
        CREATE TABLE t ("process.name" VARCHAR, "event.type" VARCHAR[], "event.action" VARCHAR, "process.pid" BIGINT, message VARCHAR);
        INSERT INTO t VALUES
          ('cmd.exe', ['start'], 'Process Create (rule: ProcessCreate)', 4200, 'Process Create'),
          ('bash', ['start'], 'fork', 300, 'fork'),
          ('powershell.exe', ['start', 'info'], NULL, 5100, 'Process Create'),
          ('svchost.exe', ['end'], 'Process terminated', 900, 'Process terminated'),
          ('svc*host.exe', ['start'], 'Process Create (rule: ProcessCreate)', 77, 'Process Create');
        """, listColumns: ["event.type"]);

    public void Dispose() => _t.Dispose();

    // A space before the closing quotes, as a KQL value may end in one.
    private string Names(string kql) => string.Join(",", _t.Rows($"FROM t | WHERE KQL(\"\"\"{kql} \"\"\") | KEEP process.name"));

    [Theory]
    // As Elastic's cloud-token rule filters: an event without an action is not a fork, so it stays.
    [InlineData(" event.type : \"start\" and not event.action : \"fork\" ", "cmd.exe,powershell.exe,svc*host.exe")]
    [InlineData("event.type : start AND process.pid >= 4200", "cmd.exe,powershell.exe")]
    [InlineData("event.type : info", "powershell.exe")]
    [InlineData("process.name : svc*", "svchost.exe,svc*host.exe")]
    [InlineData("process.name : *.exe and not process.name : (cmd.exe or powershell.exe)", "svchost.exe,svc*host.exe")]
    [InlineData("process.name : \"svc*host.exe\"", "svc*host.exe")] // quoted: * is a character
    [InlineData("process.name : svc\\*host.exe", "svc*host.exe")] // escaped likewise
    [InlineData("event.action : *", "cmd.exe,bash,svchost.exe,svc*host.exe")]
    [InlineData("NOT event.action : *", "powershell.exe")]
    [InlineData("event.action : \"Process Create (rule: ProcessCreate)\" Or process.pid < 400", "cmd.exe,bash,svc*host.exe")]
    [InlineData("(process.pid > 100 and process.pid <= 900) or event.type : end", "bash,svchost.exe")]
    [InlineData("process.name : CMD.EXE", "")] // keywords are case-sensitive
    [InlineData("host.id : abc", "")] // a field the store does not have matches nothing
    [InlineData("not host.id : abc", "cmd.exe,bash,powershell.exe,svchost.exe,svc*host.exe")]
    [InlineData("  ", "cmd.exe,bash,powershell.exe,svchost.exe,svc*host.exe")]
    public void Filters_as_elasticsearch_does(string kql, string expected) => Names(kql).Should().Be(expected);

    [Theory]
    [InlineData("powershell", "KQL: a value without a field (free text over every field) is not supported here*")]
    [InlineData("process.* : cmd.exe", "KQL: a wildcard in a field name (process.*) is not supported here*")]
    [InlineData("message : create", "KQL on the text field message is not supported here*")]
    [InlineData("process.name : \"cmd.exe", "KQL: unterminated quoted value*")]
    [InlineData("process.name : (cmd.exe or bash", "KQL: expected ')' after the values*")]
    [InlineData("process.name : cmd.exe bash", "KQL: unexpected 'bash'*")]
    [InlineData("process : { name : cmd.exe }", "KQL: nested queries*")]
    public void What_it_cannot_read_is_an_error_that_says_so(string kql, string message)
    {
        var run = () => Names(kql);
        run.Should().Throw<EsqlException>().WithMessage(message);
    }
}
