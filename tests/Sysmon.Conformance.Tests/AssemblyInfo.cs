[assembly: Xunit.AssemblyFixture(typeof(Sysmon.Stores.Elasticsearch.Tests.ElasticsearchFixture))]
