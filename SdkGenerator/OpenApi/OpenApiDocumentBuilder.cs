using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.Catalog;
using Gateway.SdkGenerator.Model;

namespace Gateway.SdkGenerator.OpenApi;

/// <summary>
/// One OpenAPI 3.0.3 document per group and stage. Properties are added in a fixed order and nothing depends on
/// the clock, so the same surface always gives the same text.
/// </summary>
public static class OpenApiDocumentBuilder
{
    public const string AppSignatureScheme = "appSignature";

    /// <summary>Where the X-Ca signature is specified, for readers of the document.</summary>
    public const string SignatureSpec = "docs/SIGNATURE.md of Gateway.Orleans (the X-Ca scheme of Alibaba Cloud API Gateway)";

    /// <summary>The statuses the gateway itself may answer with, whatever the backend does.</summary>
    private static readonly (string Status, string Description)[] GatewayAnswers =
    [
        ("400", "Refused by the gateway: bad stage, X-Ca signature headers, timestamp, nonce, or parameters (see `violations`)"),
        ("401", "No token, or a token the API's identity provider did not issue or that has expired"),
        ("403", "The app is disabled, has no grant for this API in this stage, or the caller's IP address is refused"),
        ("404", "No API matches this host, method and path in this stage"),
        ("413", "The request body is larger than the API accepts"),
        ("415", "The request body's media type is not one the API accepts"),
        ("429", "Too many calls in the current window; see Retry-After"),
        ("500", "The gateway failed to handle the request"),
        ("502", "The backend could not be reached or its answer could not be read"),
        ("503", "The gateway cannot serve the call now (catalog not loaded, no healthy backend, nonce or quota check unavailable); retry"),
        ("504", "The backend did not answer in time"),
    ];

    public static JsonObject Build(ApiSurface surface)
    {
        var document = new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject
            {
                ["title"] = $"{surface.Group} ({surface.Stage})",
                ["description"] = Info(surface),
                ["version"] = $"revision {surface.Revision.ToString(CultureInfo.InvariantCulture)}",
            },
            ["servers"] = new JsonArray([.. surface.Servers.Select(Server)]),
            ["tags"] = new JsonArray(new JsonObject { ["name"] = surface.Group, ["description"] = surface.Description ?? $"The APIs of group {surface.Group}" }),
            ["paths"] = Paths(surface),
            ["components"] = Components(surface),
            ["x-gateway-group"] = surface.Group,
            ["x-gateway-stage"] = surface.Stage,
            ["x-gateway-revision"] = surface.Revision,
        };
        return document;
    }

    private static string Info(ApiSurface surface)
    {
        var text = surface.Description is { Length: > 0 } d ? d + "\n\n" : "";
        text += $"The APIs of group `{surface.Group}` published in stage `{surface.Stage}` (catalog revision {surface.Revision}). " +
            $"Calls name the stage in the `X-Ca-Stage` header (default RELEASE). Errors made by the gateway carry " +
            "`X-Ca-Request-Id`, `X-Ca-Error-Code` and `X-Ca-Error-Message` and a JSON body (`GatewayError`).";
        return text;
    }

    private static JsonNode Server(ServerAddress server)
    {
        var node = new JsonObject { ["url"] = server.Url };
        if (server.Description is not null)
        {
            node["description"] = server.Description;
        }

        if (server.SubdomainDefault is not null)
        {
            node["variables"] = new JsonObject { ["subdomain"] = new JsonObject { ["default"] = server.SubdomainDefault } };
        }

        return node;
    }

    private static JsonObject Paths(ApiSurface surface)
    {
        var paths = new JsonObject();
        foreach (var byPath in surface.Operations.GroupBy(o => o.Path))
        {
            var item = new JsonObject();
            foreach (var operation in byPath)
            {
                item[operation.Method.ToLowerInvariant()] = Operation(surface, operation);
            }

            paths[byPath.Key] = item;
        }

        return paths;
    }

    private static JsonObject Operation(ApiSurface surface, ApiOperation operation)
    {
        var parameters = new JsonArray();
        foreach (var parameter in operation.Parameters.Where(p => p.Location != ParameterLocation.Form))
        {
            parameters.Add(Parameter(parameter));
        }

        parameters.Add(new JsonObject { ["$ref"] = "#/components/parameters/X-Ca-Stage" });
        var node = new JsonObject
        {
            ["tags"] = new JsonArray(surface.Group),
            ["summary"] = operation.Name,
            ["description"] = Description(operation),
            ["operationId"] = operation.OperationId,
            ["parameters"] = parameters,
        };
        if (RequestBody(operation) is { } body)
        {
            node["requestBody"] = body;
        }

        node["responses"] = Responses(operation);
        node["security"] = Security(surface, operation);
        node["x-gateway-api"] = operation.ApiId;
        node["x-gateway-version"] = operation.Version;
        if (operation.UsesAppSignature)
        {
            node["x-ca-nonce-required"] = operation.NonceRequired;
        }

        return node;
    }

    private static string Description(ApiOperation operation)
    {
        var text = operation.Description is { Length: > 0 } d ? d : operation.Name;
        text += operation.AuthType switch
        {
            ApiAuthType.AppSignature => "\n\nAuthentication: X-Ca app signature; the app needs a grant for this API in the stage.",
            ApiAuthType.OpenIdConnect => "\n\nAuthentication: a token from the API's identity provider" + TokenPlace(operation) + ".",
            ApiAuthType.AppSignatureAndOpenIdConnect => "\n\nAuthentication: an X-Ca app signature and a token from the API's identity provider" + TokenPlace(operation) + ".",
            _ => "\n\nAuthentication: none.",
        };
        if (operation.NonceRequired)
        {
            text += " Every call must carry a fresh `X-Ca-Nonce`.";
        }

        if (operation.SignatureMethods.Count > 0)
        {
            text += $" Signature methods accepted: {string.Join(", ", operation.SignatureMethods)}.";
        }

        return text;
    }

    private static string TokenPlace(ApiOperation operation) => operation.OpenIdConnect?.TokenLocation switch
    {
        TokenLocation.Header => $" in the `{operation.OpenIdConnect.TokenName}` header",
        TokenLocation.Query => $" in the `{operation.OpenIdConnect.TokenName}` query parameter",
        _ => " as `Authorization: Bearer <token>`",
    };

    private static JsonObject Parameter(ApiParameter parameter)
    {
        var node = new JsonObject
        {
            ["name"] = parameter.Name,
            ["in"] = parameter.Location.ToString().ToLowerInvariant(),
        };
        if (parameter.Description is { Length: > 0 } description)
        {
            node["description"] = description;
        }

        node["required"] = parameter.Required || parameter.Location == ParameterLocation.Path;
        if (parameter.IsArray)
        {
            node["style"] = parameter.Location == ParameterLocation.Header ? "simple" : "form";
            node["explode"] = parameter.Location != ParameterLocation.Header;
        }

        node["schema"] = ParameterSchema(parameter);
        if (parameter.Example is { } example)
        {
            node["example"] = parameter.IsArray ? new JsonArray(Typed(parameter.Type, example)) : Typed(parameter.Type, example);
        }

        return node;
    }

    /// <summary>The schema of a path, query, header or form parameter from its rules.</summary>
    internal static JsonObject ParameterSchema(ApiParameter parameter)
    {
        var schema = new JsonObject();
        var (type, format) = TypeOf(parameter.Type);
        schema["type"] = type;
        if (format is not null)
        {
            schema["format"] = format;
        }

        if (parameter.Minimum is { } min)
        {
            schema["minimum"] = min;
        }

        if (parameter.Maximum is { } max)
        {
            schema["maximum"] = max;
        }

        if (parameter.MinLength is { } minLength)
        {
            schema["minLength"] = minLength;
        }

        if (parameter.MaxLength is { } maxLength)
        {
            schema["maxLength"] = maxLength;
        }

        if (parameter.Pattern is { Length: > 0 } pattern)
        {
            // The gateway matches the whole value; OpenAPI patterns match anywhere unless anchored.
            schema["pattern"] = pattern.StartsWith('^') && pattern.EndsWith('$') ? pattern : $"^(?:{pattern})$";
        }

        if (parameter.Enum.Length > 0)
        {
            schema["enum"] = new JsonArray([.. parameter.Enum.Select(e => Typed(parameter.Type, e))]);
        }

        if (parameter.Default is { } value)
        {
            schema["default"] = Typed(parameter.Type, value);
        }

        return parameter.IsArray ? new JsonObject { ["type"] = "array", ["items"] = schema } : schema;
    }

    private static (string Type, string? Format) TypeOf(ParameterType type) => type switch
    {
        ParameterType.Int => ("integer", "int32"),
        ParameterType.Long => ("integer", "int64"),
        ParameterType.Float => ("number", "float"),
        ParameterType.Double => ("number", "double"),
        ParameterType.Boolean => ("boolean", null),
        _ => ("string", null),
    };

    /// <summary>A catalog value (always text) as the JSON value of the parameter's type; text when it does not parse.</summary>
    private static JsonNode Typed(ParameterType type, string text)
    {
        var invariant = CultureInfo.InvariantCulture;
        return type switch
        {
            ParameterType.Int or ParameterType.Long when long.TryParse(text, NumberStyles.Integer, invariant, out var l) => JsonValue.Create(l),
            ParameterType.Float or ParameterType.Double when decimal.TryParse(text, NumberStyles.Float, invariant, out var d) => JsonValue.Create(d),
            ParameterType.Boolean when bool.TryParse(text, out var b) => JsonValue.Create(b),
            _ => JsonValue.Create(text),
        };
    }

    private static JsonObject? RequestBody(ApiOperation operation)
    {
        if (operation.Body is { } body)
        {
            var media = new JsonObject { ["schema"] = SchemaConversion.Convert(body.Schema) };
            if (body.Example is { } example)
            {
                media["example"] = ParseOrText(example);
            }

            return new JsonObject
            {
                ["description"] = body.Description ?? body.Name,
                ["required"] = body.Required,
                ["content"] = new JsonObject { ["application/json"] = media },
            };
        }

        var form = operation.In(ParameterLocation.Form).ToList();
        if (form.Count == 0)
        {
            return null;
        }

        var properties = new JsonObject();
        foreach (var parameter in form)
        {
            var schema = ParameterSchema(parameter);
            if (parameter.Description is { Length: > 0 } description)
            {
                schema["description"] = description;
            }

            properties[parameter.Name] = schema;
        }

        var formSchema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        var required = form.Where(p => p.Required).Select(p => (JsonNode)p.Name).ToArray();
        if (required.Length > 0)
        {
            formSchema["required"] = new JsonArray(required);
        }

        return new JsonObject
        {
            ["required"] = required.Length > 0,
            ["content"] = new JsonObject { ["application/x-www-form-urlencoded"] = new JsonObject { ["schema"] = formSchema } },
        };
    }

    private static JsonNode ParseOrText(string text)
    {
        try
        {
            return JsonNode.Parse(text) ?? JsonValue.Create(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static JsonObject Responses(ApiOperation operation)
    {
        var responses = new JsonObject();
        if (operation.Mock is { } mock)
        {
            var contentType = mock.Headers.FirstOrDefault(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))?.Value ?? "text/plain";
            var media = new JsonObject { ["example"] = contentType.Contains("json", StringComparison.OrdinalIgnoreCase) ? ParseOrText(mock.Body) : mock.Body };
            responses[mock.Status.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["description"] = "The API's mock answer (the backend is not called)",
                ["headers"] = CommonHeaders(),
                ["content"] = new JsonObject { [contentType.Split(';')[0].Trim()] = media },
            };
        }
        else
        {
            responses["200"] = new JsonObject
            {
                ["description"] = "The backend's answer, passed through by the gateway",
                ["headers"] = CommonHeaders(),
            };
        }

        foreach (var (status, _) in GatewayAnswers)
        {
            if (!responses.ContainsKey(status))
            {
                responses[status] = new JsonObject { ["$ref"] = $"#/components/responses/Gateway{status}" };
            }
        }

        return responses;
    }

    private static JsonObject CommonHeaders() => new()
    {
        ["X-Ca-Request-Id"] = new JsonObject { ["$ref"] = "#/components/headers/X-Ca-Request-Id" },
        ["RateLimit-Limit"] = new JsonObject { ["$ref"] = "#/components/headers/RateLimit-Limit" },
        ["RateLimit-Remaining"] = new JsonObject { ["$ref"] = "#/components/headers/RateLimit-Remaining" },
        ["RateLimit-Reset"] = new JsonObject { ["$ref"] = "#/components/headers/RateLimit-Reset" },
    };

    private static JsonArray Security(ApiSurface surface, ApiOperation operation)
    {
        var requirement = new JsonObject();
        if (operation.UsesAppSignature)
        {
            requirement[AppSignatureScheme] = new JsonArray();
        }

        if (operation.UsesOpenIdConnect && operation.OpenIdConnect?.Provider is { } provider && surface.IdentityProviders.Any(p => p.Name == provider))
        {
            requirement[OpenIdScheme(provider)] = new JsonArray();
        }

        // One requirement with both schemes means both are needed; an empty list means none is.
        return requirement.Count == 0 ? [] : [requirement];
    }

    private static string OpenIdScheme(string provider) => "openIdConnect-" + provider;

    private static JsonObject Components(ApiSurface surface)
    {
        var responses = new JsonObject();
        foreach (var (status, description) in GatewayAnswers)
        {
            var headers = new JsonObject
            {
                ["X-Ca-Request-Id"] = new JsonObject { ["$ref"] = "#/components/headers/X-Ca-Request-Id" },
                ["X-Ca-Error-Code"] = new JsonObject { ["$ref"] = "#/components/headers/X-Ca-Error-Code" },
                ["X-Ca-Error-Message"] = new JsonObject { ["$ref"] = "#/components/headers/X-Ca-Error-Message" },
            };
            if (status is "429" or "503")
            {
                headers["Retry-After"] = new JsonObject { ["$ref"] = "#/components/headers/Retry-After" };
            }

            if (status == "429")
            {
                headers["RateLimit-Limit"] = new JsonObject { ["$ref"] = "#/components/headers/RateLimit-Limit" };
                headers["RateLimit-Remaining"] = new JsonObject { ["$ref"] = "#/components/headers/RateLimit-Remaining" };
                headers["RateLimit-Reset"] = new JsonObject { ["$ref"] = "#/components/headers/RateLimit-Reset" };
            }

            responses["Gateway" + status] = new JsonObject
            {
                ["description"] = description,
                ["headers"] = headers,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/GatewayError" } } },
            };
        }

        var schemes = new JsonObject
        {
            [AppSignatureScheme] = new JsonObject
            {
                ["type"] = "apiKey",
                ["in"] = "header",
                ["name"] = "X-Ca-Key",
                ["description"] =
                    "X-Ca app signature, specified in " + SignatureSpec + ". Each call carries `X-Ca-Key` (the AppKey), " +
                    "`X-Ca-Timestamp` (Unix milliseconds, within 15 minutes of the gateway clock), `X-Ca-Nonce` (a fresh UUID; " +
                    "a nonce is accepted once per AppKey within 15 minutes), `X-Ca-Signature-Method` (`HmacSHA256` or `HmacSHA1`), " +
                    "`X-Ca-Signature-Headers` (the signed header names) and `X-Ca-Signature`: Base64(HMAC(AppSecret, " +
                    "method\\nAccept\\nContent-MD5\\nContent-Type\\nDate\\n + one `Name:Value\\n` line per signed header + path?sorted query and form parameters)). " +
                    "`Content-MD5` is Base64(MD5(body)) for a body that is not a form. A mismatch answers 400 `A400IS` with the " +
                    "gateway's string-to-sign in `X-Ca-Error-Message`.",
            },
        };
        foreach (var provider in surface.IdentityProviders)
        {
            schemes[OpenIdScheme(provider.Name)] = new JsonObject
            {
                ["type"] = "openIdConnect",
                ["openIdConnectUrl"] = provider.DiscoveryUrl,
                ["description"] = $"Tokens issued by identity provider '{provider.Name}'",
            };
        }

        return new JsonObject
        {
            ["parameters"] = new JsonObject
            {
                ["X-Ca-Stage"] = new JsonObject
                {
                    ["name"] = "X-Ca-Stage",
                    ["in"] = "header",
                    ["description"] = $"The stage called; this document describes `{surface.Stage}`" +
                        (surface.Stage == StageName.Default ? ", the default when the header is absent." : "."),
                    ["required"] = surface.Stage != StageName.Default,
                    ["schema"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(surface.Stage), ["default"] = surface.Stage },
                },
            },
            ["schemas"] = new JsonObject
            {
                ["GatewayError"] = new JsonObject
                {
                    ["type"] = "object",
                    ["description"] = "An answer made by the gateway itself, not by the backend",
                    ["required"] = new JsonArray("requestId", "errorCode", "errorMessage"),
                    ["properties"] = new JsonObject
                    {
                        ["requestId"] = new JsonObject { ["type"] = "string", ["description"] = "Also in X-Ca-Request-Id" },
                        ["errorCode"] = new JsonObject { ["type"] = "string", ["description"] = "Also in X-Ca-Error-Code, such as A400IS", ["example"] = "A400IS" },
                        ["errorMessage"] = new JsonObject { ["type"] = "string" },
                        ["violations"] = new JsonObject
                        {
                            ["type"] = "array",
                            ["description"] = "With A400IP: every parameter rule the request broke",
                            ["items"] = new JsonObject { ["$ref"] = "#/components/schemas/ParameterViolation" },
                        },
                    },
                },
                ["ParameterViolation"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("parameter", "location", "rule", "message"),
                    ["properties"] = new JsonObject
                    {
                        ["parameter"] = new JsonObject { ["type"] = "string" },
                        ["location"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("PATH", "QUERY", "HEADER", "FORM", "BODY") },
                        ["rule"] = new JsonObject { ["type"] = "string", ["example"] = "required" },
                        ["message"] = new JsonObject { ["type"] = "string" },
                        ["value"] = new JsonObject { ["type"] = "string" },
                    },
                },
            },
            ["responses"] = responses,
            ["headers"] = new JsonObject
            {
                ["X-Ca-Request-Id"] = Header("The gateway's id of the call, on every answer"),
                ["X-Ca-Error-Code"] = Header("The gateway's error code, such as A400IS, A403NG or A429TA"),
                ["X-Ca-Error-Message"] = Header("What went wrong, in ASCII"),
                ["RateLimit-Limit"] = Header("Calls allowed in the window of the tightest limit", "integer"),
                ["RateLimit-Remaining"] = Header("Calls left in that window", "integer"),
                ["RateLimit-Reset"] = Header("Seconds until that window ends", "integer"),
                ["Retry-After"] = Header("Seconds to wait before calling again", "integer"),
            },
            ["securitySchemes"] = schemes,
        };
    }

    private static JsonObject Header(string description, string type = "string") => new()
    {
        ["description"] = description,
        ["schema"] = new JsonObject { ["type"] = type },
    };
}
