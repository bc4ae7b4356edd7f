using Gateway.BackendSignature;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Security.BackendSignature;

/// <summary>
/// A real backend on 127.0.0.1 that does what the README tells backend authors to do: verify every request with
/// <see cref="BackendSignatureVerifier"/>, answer 401 when it fails, and otherwise describe what it received.
/// </summary>
public sealed class SignatureCheckingBackend : IAsyncDisposable
{
    private readonly LoopbackApp _host;

    private SignatureCheckingBackend(LoopbackApp host) => _host = host;

    public Uri Address => _host.Address;

    /// <summary>The secrets the backend accepts; a test swaps them to play a backend with the wrong key.</summary>
    public BackendSignatureVerifier Verifier { get; set; } = new(new Dictionary<string, string>());

    public static async Task<SignatureCheckingBackend> StartAsync()
    {
        SignatureCheckingBackend? self = null;
        var host = await LoopbackApp.StartAsync(async context =>
        {
            context.Request.EnableBuffering();
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            context.Request.Body.Position = 0;
            var result = self!.Verifier.Verify(
                context.Request.Method,
                (context.Request.PathBase + context.Request.Path).Value ?? "",
                context.Request.QueryString.Value,
                context.Request.ContentType,
                buffer.ToArray(),
                name => context.Request.Headers.TryGetValue(name, out var value) ? value.ToString() : null);
            context.Response.StatusCode = result.IsValid ? 200 : 401;
            await context.Response.WriteAsJsonAsync(new Received(
                result.Status.ToString(),
                result.StringToSign,
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                System.Text.Encoding.UTF8.GetString(buffer.ToArray())));
        });
        self = new SignatureCheckingBackend(host);
        return self;
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

/// <summary>What <see cref="SignatureCheckingBackend"/> received and concluded.</summary>
public sealed record Received(string Status, string StringToSign, string Method, string Path, string Query, Dictionary<string, string> Headers, string Body);
