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

    /// <summary>Without an async state machine when the token was verified before (the usual call): only a new token is awaited.</summary>
    private Task InvokeInternal(HttpContext context, GatewayRequest request, ApiDefinition api, IdentityProvider? provider)
    {
        var requirement = api.OpenIdConnect;
        if (requirement is null || provider is null)
        {
            // The catalog grain refuses such an API; fail closed if one gets here anyway.
            return Refuse(context, api, GatewayError.IdentityProviderUnavailable, requirement, "the API names no known identity provider");
        }

        var (token, problem) = ReadToken(context.Request, requirement);
        if (token.IsEmpty)
        {
            return Refuse(context, api, problem is null ? GatewayError.TokenMissing : GatewayError.TokenInvalid, requirement, problem ?? Where(requirement));
        }

        var validation = validator.ValidateAsync(provider, token);
        return validation.IsCompletedSuccessfully
            ? Continue(context, request, api, requirement, validation.Result)
            : ContinueWhenValidated(context, request, api, requirement, validation);
    }

    private async Task ContinueWhenValidated(
        HttpContext context, GatewayRequest request, ApiDefinition api, OpenIdConnectRequirement requirement, ValueTask<TokenValidation> validation) =>
        await Continue(context, request, api, requirement, await validation);

    private Task Continue(HttpContext context, GatewayRequest request, ApiDefinition api, OpenIdConnectRequirement requirement, TokenValidation result)
    {
        if (!result.IsValid)
        {
            return Refuse(context, api, result.Error!, requirement, result.Detail);
        }

        request.UserId = result.Subject;
        if (requirement.TokenLocation == TokenLocation.Query)
        {
            RemoveQueryParameter(context.Request, requirement.TokenName!);
        }

        return next(context);
    }

    /// <summary>The token as a slice of the header or query value it came in (no copy), or empty with the problem.</summary>
    private static (ReadOnlyMemory<char> Token, string? Problem) ReadToken(HttpRequest request, OpenIdConnectRequirement requirement)
    {
        StringValues values = requirement.TokenLocation switch
        {
            TokenLocation.Header => request.Headers[requirement.TokenName!],
            TokenLocation.Query => request.Query[requirement.TokenName!],
            _ => request.Headers.Authorization,
        };
        if (values.Count == 0)
        {
            return (default, null);
        }

        if (values.Count > 1)
        {
            return (default, "more than one token was sent");
        }

        var value = (values[0] ?? "").AsMemory().Trim();
        if (requirement.TokenLocation == TokenLocation.Bearer)
        {
            if (!value.Span.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return (default, value.Length == 0 ? null : "the Authorization header is not 'Bearer <token>'");
            }

            value = value["Bearer ".Length..].Trim();
        }

        return (value, null);
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
