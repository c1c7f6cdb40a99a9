using System.CommandLine;
using Sysmon.Elastic.Cli;
using Sysmon.Elastic.Commands;

namespace Sysmon.Elastic;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = CreateRootCommand();
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("sysmon-elastic: Sysmon events to ECS, stored in DuckDB or Elasticsearch, with threat-intel enrichment and hunts.");
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(FeedsCommand.Create());
        foreach (var command in HuntCommand.Create()) root.Subcommands.Add(command);
        root.Subcommands.Add(LineageCommand.Create());
        root.Subcommands.Add(SetupCommand.Create());
        root.Subcommands.Add(ReindexCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        SettingsHelpAction.Install(root);
        return root;
    }
}
