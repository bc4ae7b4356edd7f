using System.Text.Json;
using Gateway.Catalog;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Monitoring;
using Gateway.Frontend.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Frontend.Pipeline;

/// <summary>
/// The catch-all at the head of the pipeline: a step that throws gives the gateway's 500 S500IE with its JSON body,
/// counted as a 5xx with that code; a step that throws because the caller left is counted as a client abort.
/// The steps are the frontend's own, in the frontend's order; only the failing step is the test's.
/// </summary>
public sealed class UnhandledErrorTests : IDisposable
{
    private readonly ServiceProvider _services;

    public UnhandledErrorTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(TimeProvider.System);
        services.AddUsageCounting();
        _services = services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_step_that_throws_gets_500_S500IE_with_a_json_body_counted_as_5xx()
    {
        var context = NewContext();

        await Pipeline(_ => throw new InvalidOperationException("a bug"))(context);

        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal("S500IE", context.Response.Headers["X-Ca-Error-Code"].ToString());
        Assert.StartsWith("application/json", context.Response.ContentType);
        context.Response.Body.Position = 0;
        var body = JsonDocument.Parse(context.Response.Body).RootElement;
        Assert.Equal("S500IE", body.GetProperty("errorCode").GetString());
        Assert.Equal(context.GetGatewayRequest().RequestId, body.GetProperty("requestId").GetString());
        Assert.DoesNotContain("a bug", body.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);

        var counters = Assert.Single(Drain());
        Assert.Equal((1, 1, 0), (counters.Requests, counters.Status5xx, counters.Status2xx));
        Assert.Equal(["S500IE"], counters.ErrorCodes);
    }

    [Fact]
    public async Task A_step_that_throws_asynchronously_is_caught_too()
    {
        var context = NewContext();

        await Pipeline(async _ =>
        {
            await Task.Yield();
            throw new FormatException("late");
        })(context);

        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal("S500IE", context.Response.Headers["X-Ca-Error-Code"].ToString());
        Assert.Equal(1, Assert.Single(Drain()).Status5xx);
    }

    [Fact]
    public async Task A_step_that_throws_because_the_caller_left_is_a_client_abort_not_a_5xx()
    {
        var context = NewContext();
        using var gone = new CancellationTokenSource();
        context.RequestAborted = gone.Token;

        await Pipeline(_ =>
        {
            gone.Cancel();
            throw new IOException("The client reset the request stream.");
        })(context);

        var counters = Assert.Single(Drain());
        Assert.Equal((1, 0, 0, 0), (counters.Requests, counters.Status2xx, counters.Status4xx, counters.Status5xx));
        Assert.Equal(["A499CA"], counters.ErrorCodes);
    }

    [Fact]
    public async Task The_error_code_counted_is_the_gateways_own_not_a_header_a_backend_sent()
    {
        var context = NewContext();

        await Pipeline(c =>
        {
            c.Response.StatusCode = 503;
            c.Response.Headers["X-Ca-Error-Code"] = "S503CL";
            return Task.CompletedTask;
        })(context);

        var counters = Assert.Single(Drain());
        Assert.Equal(1, counters.Status5xx);
        Assert.Empty(counters.ErrorCodes);
    }

    private RequestDelegate Pipeline(Func<HttpContext, Task> failingStep)
    {
        var app = new ApplicationBuilder(_services);
        app.UseRequestIds();
        app.UseUsageCounting();
        app.UseUnhandledErrors();
        app.Run(context =>
        {
            // As routing would: the call matched an API, so that it is counted in its window.
            context.GetGatewayRequest().Api = new PublishedApi { Stage = "RELEASE", Version = 1, Definition = new ApiDefinition { Id = "a", Group = "g" } };
            return failingStep(context);
        });
        return app.Build();
    }

    private DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = "GET";
        context.Request.Path = "/x";
        context.Response.Body = new MemoryStream();
        return context;
    }

    private List<Gateway.Monitoring.UsageCounters> Drain() =>
        [.. _services.GetRequiredService<UsageCounter>().Drain(long.MaxValue, "test").SelectMany(b => b.Counters)];

    public void Dispose() => _services.Dispose();
}
