using System.Diagnostics;
using System.Runtime.CompilerServices;
using FluentAssertions;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>The compose file is valid for Compose (checked by Debian's docker-compose, which needs no engine for
/// <c>config</c>) and wires the stack the README describes.</summary>
public sealed class DockerComposeTests
{
    private static string RepositoryRoot([CallerFilePath] string here = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));

    private static async Task<(int Code, string Out, string Err)> ComposeAsync(params string[] args)
    {
        var start = new ProcessStartInfo("docker-compose") { WorkingDirectory = RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip("docker-compose is not installed here (apt-get install docker-compose checks compose files without an engine)");
            throw;
        }
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task The_compose_file_is_valid_and_runs_setup_before_the_worker()
    {
        var (code, _, err) = await ComposeAsync("config", "-q");
        code.Should().Be(0, err);
        var (_, config, _) = await ComposeAsync("config");
        config.Should().Contain("- setup").And.Contain("- elasticsearch", "the one-shot service runs 'setup elasticsearch'");
        // The worker reads SYSMON_STORE as every command does; the image's appsettings.json (in /app, not the working
        // directory /data) names DuckDB only below it.
        var worker = config[config.IndexOf("\n  worker:", StringComparison.Ordinal)..];
        worker.Should().Contain("SYSMON_STORE: http://elasticsearch:9200").And.Contain("SYSMON_ES_USERNAME: elastic");
        config.Should().Contain("condition: service_completed_successfully");
        config.Should().Contain("xpack.security.enabled: \"true\"");
        // The saved objects go into Kibana by its service name, as the built-in superuser (Kibana accepts ES users).
        var kibanaSetup = System.Text.RegularExpressions.Regex.Match(config, @"\n  kibana-setup:\n(    .*\n|\s*\n)*").Value;
        kibanaSetup.Should().Contain("SYSMON_KIBANA_URL: http://kibana:5601").And.Contain("SYSMON_ES_USERNAME: elastic")
            .And.Contain("- setup").And.Contain("- kibana").And.Contain("condition: service_started");
    }

    [Fact]
    public void The_image_build_copies_every_project_the_executable_is_built_from()
    {
        var root = RepositoryRoot();
        var folders = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(root, "app", "Sysmon.Elastic", "Sysmon.Elastic.csproj")]);
        while (pending.TryPop(out var project))
        {
            folders.Add(Path.GetRelativePath(root, project).Split(Path.DirectorySeparatorChar)[0]);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(project), "ProjectReference Include=\"([^\"]+)\""))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, m.Groups[1].Value.Replace('\\', Path.DirectorySeparatorChar))));
            }
        }
        folders.Should().Contain(["app", "ingest", "kibana", "queries", "stores"]);
        var dockerfile = File.ReadAllText(Path.Combine(root, "Dockerfile"));
        folders.Where(f => !dockerfile.Contains($"COPY {f}/ {f}/", StringComparison.Ordinal)).Should().BeEmpty("'dotnet publish' in the image fails on a project it cannot see");
    }
}
