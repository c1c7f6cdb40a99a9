using FluentAssertions;
using Sysmon.Queries.Esql;
using Sysmon.Queries.Tests.Fixtures;
using Xunit;

namespace Sysmon.Queries.Tests;

/// <summary>MATCH and the : operator on keyword fields, with Elasticsearch's fuzziness, as the embedded store runs them.</summary>
public sealed class MatchTests : IDisposable
{
    private readonly InMemoryTable _t = new("t", ["process.name", "process.args", "message"], """
        CREATE TABLE t ("process.name" VARCHAR, "process.args" VARCHAR[], message VARCHAR);
        INSERT INTO t VALUES
          ('svchost.exe', ['svchost.exe', '-k', 'netsvcs'], 'Process Create'),
          ('svch0st.exe', ['svch0st.exe'], 'Process Create'),
          ('scvhost.exe', ['scvhost.exe', '-k'], 'Process Create'),
          ('svchst.ex', ['svchst.ex'], 'Process Create'),
          ('lsas.exe', ['lsas.exe', '-k', 'LocalService'], 'Process Create'),
          (NULL, NULL, 'Process Create');
        """, listColumns: ["process.args"]);

    public void Dispose() => _t.Dispose();

    private string Names(string where) => string.Join(",", _t.Rows($"FROM t | WHERE {where} | KEEP process.name"));

    [Theory]
    [InlineData("process.name : \"svchost.exe\"", "svchost.exe")]
    [InlineData("MATCH(process.name, \"svchost.exe\")", "svchost.exe")]
    [InlineData("MATCH(process.name, \"svchost.exe\", {\"fuzziness\": 1})", "svchost.exe,svch0st.exe,scvhost.exe")]
    [InlineData("MATCH(process.name, \"svchost.exe\", {\"fuzziness\": 1, \"fuzzy_transpositions\": false})", "svchost.exe,svch0st.exe")]
    [InlineData("MATCH(process.name, \"svchost.exe\", {\"fuzziness\": 2})", "svchost.exe,svch0st.exe,scvhost.exe,svchst.ex")]
    [InlineData("MATCH(process.name, \"svchost.exe\", {\"fuzziness\": \"2\", \"prefix_length\": 2})", "svchost.exe,svch0st.exe,svchst.ex")]
    // AUTO: 11 letters allow two edits (svchst.ex is two away); below 3 none, below 6 one (unless the bounds are given).
    [InlineData("MATCH(process.name, \"svchost.exe\", {\"fuzziness\": \"AUTO\"})", "svchost.exe,svch0st.exe,scvhost.exe,svchst.ex")]
    [InlineData("MATCH(process.name, \"lsass.exe\", {\"fuzziness\": \"AUTO:3,20\"})", "lsas.exe")]
    [InlineData("MATCH(process.name, \"lsass.exe\", {\"fuzziness\": \"AUTO:10,20\"})", "")]
    // A multi-valued field matches when any of its values does.
    [InlineData("process.args : \"-k\"", "svchost.exe,scvhost.exe,lsas.exe")]
    [InlineData("MATCH(process.args, \"localService\", {\"fuzziness\": 1})", "lsas.exe")]
    [InlineData("MATCH(process.args, \"localservice\", {\"fuzziness\": 1})", "")] // case counts: two edits
    [InlineData("NOT MATCH(process.name, \"svchost.exe\", {\"fuzziness\": 1, \"boost\": 2.0, \"operator\": \"AND\"})", "svchst.ex,lsas.exe")]
    public void Keyword_values_match_whole_and_within_the_fuzziness(string where, string expected) =>
        Names(where).Should().Be(expected);

    [Theory]
    [InlineData("message : \"create\"", "MATCH on the text field message is not supported here (only keyword fields)*")]
    [InlineData("MATCH(process.name, \"x\", {\"fuzziness\": 3})", "MATCH: fuzziness is 0, 1, 2 or AUTO, not '3'*")]
    [InlineData("MATCH(process.name, \"x\", {\"slop\": 3})", "MATCH: option 'slop' is not known*")]
    [InlineData("MATCH(process.name, \"x\", {\"fuzziness\": 1, \"fuzziness\": 2})", "option fuzziness is given twice*")]
    [InlineData("MATCH(process.name, \"x\", {fuzziness: 1})", "an option's name is a string*")]
    [InlineData("MATCH(TO_LOWER(process.name), \"x\")", "MATCH takes a field, a query string and optionally { options }*")]
    public void What_it_cannot_do_is_an_error_that_says_so(string where, string message)
    {
        var run = () => Names(where);
        run.Should().Throw<EsqlException>().WithMessage(message);
    }
}
