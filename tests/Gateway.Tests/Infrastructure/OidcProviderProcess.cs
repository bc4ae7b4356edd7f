using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real OpenID provider (npm oidc-provider, run by tests/Gateway.Tests/Security/oidc/provider.mjs) on
/// 127.0.0.1. Its keys are generated at start; starting it again with another key id is a key rotation.
/// </summary>
public sealed class OidcProviderProcess : IAsyncDisposable
{
    public const string ClientId = "gateway-test";
    private const string ClientSecret = "test-secret";
    private readonly Process _process;
    private readonly HttpClient _http;

    private OidcProviderProcess(Process process, int port, string keyId)
    {
        _process = process;
        Port = port;
        KeyId = keyId;
        Issuer = $"http://127.0.0.1:{port}";
        _http = new HttpClient { BaseAddress = new Uri(Issuer), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Port { get; }

    public string KeyId { get; }

    public string Issuer { get; }

    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Gateway.Tests", "Security", "oidc");
                if (File.Exists(Path.Combine(candidate, "provider.mjs")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("tests/Gateway.Tests/Security/oidc/provider.mjs not found above " + AppContext.BaseDirectory);
        }
    }

    public static async Task<OidcProviderProcess> StartAsync(int port, string keyId)
    {
        var folder = Folder;
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")))
        {
            throw new InvalidOperationException($"oidc-provider is not installed in {folder}: run .ci/install-deps.d/oidc.sh (npm ci there)");
        }

        var start = new ProcessStartInfo("node", "provider.mjs")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["KEY_ID"] = keyId;
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.StartsWith("ready ", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("the OpenID provider exited: " + output));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new OidcProviderProcess(process, port, keyId);
    }

    /// <summary>An access token (JWT) by the client_credentials grant for the audience <paramref name="resource"/>; 'es256' in it picks ES256.</summary>
    public async Task<string> GetTokenAsync(string resource)
    {
        using var response = await _http.PostAsync("/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
            ["resource"] = resource,
            ["scope"] = "api",
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token request failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>How often the provider's JWKS has been fetched.</summary>
    public async Task<int> JwksHitsAsync() =>
        (await _http.GetFromJsonAsync<JsonElement>("/test/jwks-hits")).GetProperty("hits").GetInt32();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            // Closing stdin asks the script to stop; kill it if it does not.
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
