using Gateway.Frontend.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Tests.Frontend.Routing;

/// <summary>
/// The backend path of a PASSTHROUGH call is made of the caller's own segments, escapes as they were sent, in the places
/// the backend template gives them.
/// </summary>
public sealed class CallerEncodedPathTests
{
    [Theory]
    [InlineData("/shop/orders/{id}", "/v1/orders/{id}", "/shop/orders/a%2Fb", "/v1/orders/a%2Fb")]
    [InlineData("/shop/orders/{id}", "/orders/{id}", "/shop/orders/%FF%25", "/orders/%FF%25")]
    [InlineData("/orders/{id}", "/orders/{id}", "/orders/a%2Fb", "/orders/a%2Fb")]
    [InlineData("/shop/{a}/x/{b}", "/{b}/y/{a}", "/shop/%C3%A9/x/a%252Fb", "/a%252Fb/y/%C3%A9")]
    [InlineData("/shop/orders/{id}", "/v1/orders/{id}/", "/shop/orders/a%2Fb", "/v1/orders/a%2Fb/")]
    [InlineData("/shop/orders/{id}", "/v1/orders/{id}", "/shop/orders/a%2Fb/", "/v1/orders/a%2Fb")]
    [InlineData("/shop/orders/{id}", "/", "/shop/orders/a%2Fb", "/")]
    [InlineData("/shop/all", "/all", "/Shop/ALL%21", "/all")]
    public void Puts_the_callers_segments_into_the_backend_template(string publicPath, string backendPath, string raw, string expected)
    {
        var path = CallerEncodedPath.Compile(publicPath, backendPath);
        Assert.NotNull(path);
        Assert.Equal(expected, path.Build(raw));
    }

    [Theory]
    [InlineData("/shop/orders/a%2Fb/extra")]     // more segments than the route
    [InlineData("/shop/./orders/a%2Fb")]         // Kestrel removed the '.' before routing
    [InlineData("/shop")]
    public void Gives_up_when_the_segments_do_not_line_up(string raw) =>
        Assert.Null(CallerEncodedPath.Compile("/shop/orders/{id}", "/v1/orders/{id}")!.Build(raw));

    [Fact]
    public void Cannot_compile_a_backend_template_with_a_parameter_the_public_one_lacks() =>
        Assert.Null(CallerEncodedPath.Compile("/shop/orders/{id}", "/v1/orders/{orderId}"));

    [Theory]
    [InlineData("/shop/orders/a%2Fb?q=%FF", 0, "a%2Fb")]
    [InlineData("/shop/orders/a%2Fb/", 0, "a%2Fb")]
    [InlineData("/shop/x%FF/orders/7", 2, "x%FF")]
    [InlineData("http://gw.example/shop/orders/a%2Fb?q", 0, "a%2Fb")]
    [InlineData("/shop/../shop/orders/a%2Fb", 0, "a%2Fb")]     // a '..' before the segment leaves it in its place
    public void Finds_the_callers_segment_counted_from_the_end(string target, int fromEnd, string expected)
    {
        Assert.True(CallerEncodedPath.TryGetSegmentFromEnd(Context(target), fromEnd, out var segment));
        Assert.Equal(expected, segment.ToString());
    }

    [Theory]
    [InlineData("/shop/orders/a%2Fb/.", 0)]
    [InlineData("/shop/orders/a%2Fb/%2e%2E", 0)]
    [InlineData("/shop/orders/a%2Fb", 5)]
    [InlineData("/shop/orders/a%2Fb", -1)]
    [InlineData("*", 0)]
    public void Finds_no_segment_where_it_cannot_be_sure(string target, int fromEnd) =>
        Assert.False(CallerEncodedPath.TryGetSegmentFromEnd(Context(target), fromEnd, out _));

    private static DefaultHttpContext Context(string rawTarget)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        return context;
    }
}
