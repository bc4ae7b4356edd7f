using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Silo.Admin;

/// <summary>The type of body an admin route reads, for the admin API's OpenAPI document.</summary>
internal sealed record AdminBodyType(Type Type, bool Required);

internal static class AdminBodyDocumentation
{
    /// <summary>
    /// Declares the body the route reads through <see cref="AdminBody"/>. Unlike <c>Accepts&lt;T&gt;</c> it adds no
    /// content-type matching to routing, which would answer a YAML body or a wrong type with a bare 415 before the
    /// route's own answer (415 naming the accepted types, 400 listing every problem) could be given.
    /// </summary>
    public static RouteHandlerBuilder Reads<T>(this RouteHandlerBuilder route, bool required = true) =>
        route.WithMetadata(new AdminBodyType(typeof(T), required));

    /// <summary>Writes each declared body into its operation, as JSON or YAML of the type's schema.</summary>
    public static OpenApiOptions DescribeAdminBodies(this OpenApiOptions options) => options.AddOperationTransformer(async (operation, context, cancellationToken) =>
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<AdminBodyType>().LastOrDefault() is not { } body)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = body.Required,
            Content = AdminBody.AcceptedTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = schema }),
        };
    });
}
