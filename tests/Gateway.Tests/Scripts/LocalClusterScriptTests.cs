using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Gateway.Tests.Helm;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Scripts;

/// <summary>
/// scripts/local-cluster.sh end to end: Redis, two silos and two frontends as real processes (the assemblies this
/// test run built), a catalog published through one silo's admin API, calls through both frontends to a real backend,
/// then a clean stop.
/// </summary>
public sealed class LocalClusterScriptTests
{
    [Fact]
    public async Task The_local_cluster_serves_one_catalog_on_both_frontends_and_stops_cleanly()
    {
        var runDir = Directory.CreateTempSubdirectory("gateway-local-cluster-test-").FullName;
        var offset = FreeOffset();
        try
        {
            var start = Script(runDir, offset, "start");
            Assert.True(start.ExitCode == 0, $"start failed: {start.Output}{start.Error}");
            Assert.Contains("frontend-2     http://127.0.0.1:" + (8090 + offset), start.Output);

            var env = Script(runDir, offset, "env").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            var admins = env["GATEWAY_ADMIN_URLS"].Split(',');
            var frontends = env["GATEWAY_FRONTEND_URLS"].Split(',');

            await using var backend = await EchoBackend.StartAsync("local");
            using var admin = new HttpClient { BaseAddress = new Uri(admins[1]) };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["GATEWAY_ADMIN_TOKEN"]);
            using (var unauthorized = await new HttpClient().GetAsync(new Uri(new Uri(admins[0]), "/v1/catalog/revision")))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
            }

            using var import = await admin.PostAsync("/v1/catalog/import?mode=merge", new StringContent($$"""
                groups:
                  - name: local
                    basePath: /local
                backends:
                  - name: echo
                    addresses: ["{{backend.Address}}"]
                    hostHeader: echo.apps.internal
                apis:
                  - id: ping
                    group: local
                    name: Ping
                    methods: [GET]
                    path: /ping
                    backend: echo
                    backendPath: /pong
                deployments:
                  - api: ping
                    stage: RELEASE
                """, Encoding.UTF8, "application/yaml"));
            Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());

            // Published through silo-2, served by both frontends (each an Orleans client through Redis).
            foreach (var frontend in frontends)
            {
                using var client = new HttpClient { BaseAddress = new Uri(frontend) };
                var deadline = DateTime.UtcNow.AddSeconds(10);
                HttpResponseMessage response;
                while ((response = await client.GetAsync("/local/ping")).StatusCode == HttpStatusCode.NotFound)
                {
                    response.Dispose();
                    Assert.True(DateTime.UtcNow < deadline, $"{frontend} never served the published API");
                    await Task.Delay(50);
                }

                using (response)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    var echo = await response.Content.ReadFromJsonAsync<EchoResponse>();
                    Assert.Equal(("/pong", "echo.apps.internal"), (echo!.Path, echo.Host));
                }
            }

            var status = Script(runDir, offset, "status");
            Assert.Equal(4, status.Output.Split('\n').Count(l => l.TrimEnd().EndsWith(" ready", StringComparison.Ordinal)));

            var stop = Script(runDir, offset, "stop");
            Assert.Equal(0, stop.ExitCode);
            Assert.DoesNotContain("killing", stop.Output);
            Assert.Equal(5, stop.Output.Split('\n').Count(l => l.EndsWith(" stopped", StringComparison.Ordinal)));
            Assert.Empty(Directory.GetFiles(runDir, "*.pid"));
            Assert.Equal(3, Script(runDir, offset, "status").ExitCode);
        }
        finally
        {
            Script(runDir, offset, "stop");
            Directory.Delete(runDir, recursive: true);
        }
    }

    private static (int ExitCode, string Output, string Error) Script(string runDir, int offset, string command)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = HelmRunner.RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(HelmRunner.RepoRoot, "scripts", "local-cluster.sh"));
        start.ArgumentList.Add(command);
        start.Environment["GATEWAY_RUN_DIR"] = runDir;
        start.Environment["GATEWAY_PORT_OFFSET"] = offset.ToString();
        start.Environment["GATEWAY_NO_BUILD"] = "1";
        // The processes run the assemblies this test run was built with.
        start.Environment["CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"local-cluster.sh {command} did not finish");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>An offset for which all eleven ports of the local cluster are free on loopback.</summary>
    private static int FreeOffset()
    {
        int[] bases = [16379, 8081, 8091, 11111, 11112, 30000, 30001, 8080, 8090, 8082, 8092];
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var offset = Random.Shared.Next(20, 3000) * 10;
            if (bases.All(b => IsFree(b + offset)))
            {
                return offset;
            }
        }

        throw new InvalidOperationException("no free set of ports for the local cluster");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
