using Microsoft.Extensions.FileProviders;

namespace Gateway.Silo.Admin;

/// <summary>
/// Serves the web console (built from <c>console/</c> into the Silo's output folder <c>console/</c>) at
/// <c>/console</c>. The console is static files only: every page calls the admin API with the token the user
/// logs in with, so it needs no authentication of its own. <c>GET /v1/whoami</c> tells it the token's role.
/// </summary>
public static class ConsoleHosting
{
    public const string Path = "/console";

    public static WebApplication UseConsole(this WebApplication app)
    {
        var folder = System.IO.Path.Combine(AppContext.BaseDirectory, "console");
        if (File.Exists(System.IO.Path.Combine(folder, "index.html")))
        {
            // One page: /console redirects to /console/, which is index.html; the console picks its view from the URL's fragment.
            var files = new PhysicalFileProvider(folder);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files, RequestPath = Path });
        }
        else
        {
            app.MapGet(Path + "/{**rest}", () => Results.Text(
                "The console is not built into this Silo: run `bash console/build.sh`, then build the Silo again.",
                "text/plain", statusCode: StatusCodes.Status404NotFound)).ExcludeFromDescription();
        }

        return app;
    }

    /// <summary>The caller's token name and role, for the console to show and to hide what the role cannot do.</summary>
    public static RouteGroupBuilder MapWhoAmI(this RouteGroupBuilder api)
    {
        api.MapGet("/whoami", (HttpContext http) => http.Features.Get<AdminCaller>() is { } caller
            ? AdminResults.Json(new { name = caller.Name, role = caller.Role.Name() })
            : AdminResults.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "no admin caller"));
        return api;
    }
}
