using Gateway.Catalog;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Security;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Primitives;

namespace Gateway.Frontend.Security.OpenIdConnect;

/// <summary>
/// For APIs whose auth type asks for OpenID Connect: reads the token where the API says, validates it
/// against the API's identity provider, and makes its subject the <see cref="GatewayRequest.UserId"/>.
/// A token in the query string is taken out of it, so that it is neither forwarded nor logged with the URL.
/// </summary>
internal sealed partial class OpenIdConnectAuthentication(
    RequestDelegate next,
    TokenValidator validator,
    ILogger<OpenIdConnectAuthentication> logger)
{
    public Task Invoke(HttpContext context)
    {
        var request = context.GetGatewayRequest();
        if (request.Api?.Definition is not { AuthType: ApiAuthType.OpenIdConnect or ApiAuthType.AppSignatureAndOpenIdConnect } api)
        {
            return next(context);
        }

        return InvokeInternal(context, request, api, request.Route!.IdentityProvider);
    }

    private async Task InvokeInternal(HttpContext context, GatewayRequest request, ApiDefinition api, IdentityProvider? provider)
    {
        var requirement = api.OpenIdConnect;
        if (requirement is null || provider is null)
        {
            // The catalog grain refuses such an API; fail closed if one gets here anyway.
            await Refuse(context, api, GatewayError.IdentityProviderUnavailable, requirement, "the API names no known identity provider");
            return;
        }

        var (token, problem) = ReadToken(context.Request, requirement);
        if (token is null)
        {
            await Refuse(context, api, problem is null ? GatewayError.TokenMissing : GatewayError.TokenInvalid, requirement, problem ?? Where(requirement));
            return;
        }

        var result = await validator.ValidateAsync(provider, token);
        if (!result.IsValid)
        {
            await Refuse(context, api, result.Error!, requirement, result.Detail);
            return;
        }

        request.UserId = result.Subject;
        if (requirement.TokenLocation == TokenLocation.Query)
        {
            RemoveQueryParameter(context.Request, requirement.TokenName!);
        }

        await next(context);
    }

    private static (string? Token, string? Problem) ReadToken(HttpRequest request, OpenIdConnectRequirement requirement)
    {
        StringValues values = requirement.TokenLocation switch
        {
            TokenLocation.Header => request.Headers[requirement.TokenName!],
            TokenLocation.Query => request.Query[requirement.TokenName!],
            _ => request.Headers.Authorization,
        };
        if (values.Count == 0)
        {
            return (null, null);
        }

        if (values.Count > 1)
        {
            return (null, "more than one token was sent");
        }

        var value = values[0]?.Trim() ?? "";
        if (requirement.TokenLocation == TokenLocation.Bearer)
        {
            if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return (null, value.Length == 0 ? null : "the Authorization header is not 'Bearer <token>'");
            }

            value = value["Bearer ".Length..].Trim();
        }

        return value.Length == 0 ? (null, null) : (value, null);
    }

    private static void RemoveQueryParameter(HttpRequest request, string name)
    {
        var kept = new QueryBuilder(request.Query.Where(q => !string.Equals(q.Key, name, StringComparison.Ordinal)));
        request.QueryString = kept.ToQueryString();
    }

    private static string Where(OpenIdConnectRequirement requirement) => requirement.TokenLocation switch
    {
        TokenLocation.Header => $"send it in the '{requirement.TokenName}' header",
        TokenLocation.Query => $"send it in the '{requirement.TokenName}' query parameter",
        _ => "send it as 'Authorization: Bearer <token>'",
    };

    private Task Refuse(HttpContext context, ApiDefinition api, GatewayError error, OpenIdConnectRequirement? requirement, string? detail)
    {
        LogRefused(api.Id, error.Code);
        if (requirement is null or { TokenLocation: TokenLocation.Bearer } && error.Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = error == GatewayError.TokenMissing ? "Bearer" : "Bearer error=\"invalid_token\"";
        }

        return GatewayErrorWriter.WriteAsync(context, error, detail);
    }

    [LoggerMessage(EventId = LogEvents.TokenRefused, Level = LogLevel.Debug, Message = "Refused a call of API {Api}: token check failed with {Code}")]
    private partial void LogRefused(string api, string code);
}

public static class OpenIdConnectExtensions
{
    /// <summary>
    /// Belongs after the app signature check and before grant authorization: after the IP check, so that a
    /// refused address costs no signature verification.
    /// </summary>
    public static IApplicationBuilder UseOpenIdConnect(this IApplicationBuilder app) => app.UseMiddleware<OpenIdConnectAuthentication>();
}
