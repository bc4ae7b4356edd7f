using Gateway.Hosting;
using System.Net;
using Gateway.Catalog;
using Gateway.Silo.Admin;
using Gateway.Silo.Catalog;
using Gateway.Silo.Hosting;
using Gateway.Silo.Secrets;

namespace Gateway.Silo;

/// <summary>
/// Builds the silo host: the Orleans silo, the admin API, health and metrics. Used by the Silo program
/// (cluster mode) and by the Frontend's embedded default, which runs it in the same process.
/// </summary>
public static class SiloApp
{
    /// <param name="args">Command line; <c>--catalog FILE</c> imports a catalog document at start.</param>
    /// <param name="defaultSeed">The catalog to import when no file is given (the embedded sample), or null.</param>
    /// <param name="configure">Lets a caller (the embedded frontend, tests) add configuration before the host is built.</param>
    public static WebApplication Build(string[] args, CatalogSeed? defaultSeed = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--catalog"] = "Catalog:File" });
        // ASP.NET Core logs several lines per request at Information; keep its warnings and errors only.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configure?.Invoke(builder);

        var cluster = ClusterSettings.From(builder.Configuration);
        var admin = AdminSettings.From(builder.Configuration);
        var tokens = AdminTokens.From(admin);
        if (cluster.IsClustered && tokens.IsEmpty)
        {
            throw new InvalidOperationException(
                "Cluster mode (Cluster:Redis is set) needs an admin token: set Admin:Token (environment Admin__Token) or Admin:Tokens:<name>:Token and :Role.");
        }

        // Without a token only this machine may reach the admin API.
        builder.WebHost.ConfigureKestrel(k => k.Listen(!tokens.IsEmpty ? IPAddress.Any : IPAddress.Loopback, admin.Port));

        var secrets = SecretKeyRingSetup.Load(builder.Configuration, cluster.IsClustered, out var generatedKey);
        builder.Services.AddSingleton(secrets);
        builder.AddGatewaySilo(cluster);
        builder.AddGracefulShutdown();
        builder.Services.AddSingleton(admin);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(DebugTarget.From(builder.Configuration));
        builder.Services.Configure<CatalogSettings>(builder.Configuration.GetSection(CatalogSettings.Section));
        builder.Services.Configure<Gateway.Audit.AuditSettings>(builder.Configuration.GetSection(Gateway.Audit.AuditSettings.Section));
        builder.Services.AddExceptionHandler<ClusterUnavailableHandler>();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(o => o.DescribeAdminBodies());
        builder.Services.AddDocumentation(builder.Configuration);
        builder.Services.AddServiceDefaults(builder.Configuration, "gateway-silo");
        builder.Services.AddHealthChecks().AddCheck<SiloReadyCheck>("silo", tags: [ServiceDefaults.ReadyTag]);

        var seed = builder.Configuration["Catalog:File"] is { Length: > 0 } file
            ? new CatalogSeed(CatalogDocumentFormat.Parse(File.ReadAllText(file), file), file)
            : defaultSeed;
        builder.Services.AddHostedService<SecretKeyCheck>();
        if (seed is not null)
        {
            builder.Services.AddSingleton(seed);
            builder.Services.AddHostedService<CatalogSeedLoader>();
        }

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapServiceDefaults();
        app.MapOpenApi("/openapi/v1.json");
        app.MapAdminApi();
        app.UseConsole();

        if (tokens.IsEmpty)
        {
            app.Logger.LogWarning(LogEvents.AdminOpenOnLoopback,
                "No admin token is set (Admin:Token): the admin API on port {Port} listens on loopback only and asks for no token", admin.Port);
        }
        else
        {
            app.Logger.LogInformation(LogEvents.AdminTokens, "Admin tokens: {Tokens}",
                string.Join(", ", tokens.Callers.Select(c => $"{c.Name} ({c.Role.Name()})")));
        }

        if (generatedKey)
        {
            app.Logger.LogWarning(LogEvents.SecretKeyGenerated,
                "No secret key is configured (Secrets:Keys, Secrets:KeyDirectory): generated key {KeyId} for this process; secrets are encrypted with it and cannot be read by another process",
                secrets.ActiveKeyId);
        }

        if (SiloSetup.UsesKubernetesHosting(cluster, builder.Configuration))
        {
            app.Logger.LogInformation(LogEvents.KubernetesHosting,
                "Kubernetes hosting: silo named after its pod, pods watched to declare silos of deleted pods dead");
        }

        return app;
    }
}
