using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A web page on its own loopback origin (a real server), and a real headless Chromium (driven by playwright-core,
/// tests/Gateway.Tests/Policies/Cors/browser/cors-page.mjs) that opens it and makes fetch() calls from it, so that a
/// test sees exactly what a web app's script on that origin would.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly LoopbackApp _host;

    private BrowserPage(LoopbackApp host) => _host = host;

    /// <summary>The page's URL; its origin is what the browser sends as Origin.</summary>
    public Uri Address => _host.Address;

    public string Origin => Address.GetLeftPart(UriPartial.Authority);

    /// <summary>Serves an empty page that sets <paramref name="cookie"/>, which the browser then sends with credentialed calls to the same host.</summary>
    public static async Task<BrowserPage> StartAsync(string cookie)
    {
        return new BrowserPage(await LoopbackApp.StartAsync(context =>
        {
            context.Response.Headers.SetCookie = cookie + "; Path=/; SameSite=Lax";
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync("<!doctype html><title>web app</title><p>a web app on another origin</p>");
        }));
    }

    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Gateway.Tests", "Policies", "Cors", "browser");
                if (File.Exists(Path.Combine(candidate, "cors-page.mjs")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("tests/Gateway.Tests/Policies/Cors/browser/cors-page.mjs not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Opens the page in a fresh headless Chromium and runs the calls one after the other from it.</summary>
    public async Task<IReadOnlyList<BrowserFetch>> FetchAsync(params BrowserCall[] calls)
    {
        var folder = Folder;
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "playwright-core")))
        {
            throw new InvalidOperationException($"playwright-core is not installed in {folder}: run .ci/install-deps.d/policies-browser.sh");
        }

        var job = JsonSerializer.Serialize(new { page = Address.ToString(), calls }, Web);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("cors-page.mjs");
        start.ArgumentList.Add(job);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();

        // A guard against a browser that hangs, not a measure of speed.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the browser did not finish: " + await errors);
        }

        var text = await output;
        Assert.True(process.ExitCode == 0, $"the browser run failed ({process.ExitCode}): {await errors}");
        return JsonSerializer.Deserialize<BrowserFetch[]>(text, Web)!;
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

/// <summary>One fetch() from the page: its URL and its init object (method, headers, body, credentials).</summary>
public sealed record BrowserCall(string Name, string Url, object? Init = null);

/// <summary>What the page's script saw: the answer (only what CORS lets it read), or the browser's error.</summary>
public sealed record BrowserFetch(string Name, bool Ok, int Status, string? Body, string? RequestId, string? ErrorCode, string? Error);
