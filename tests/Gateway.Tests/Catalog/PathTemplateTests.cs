using Gateway.Catalog;

namespace Gateway.Tests.Catalog;

public sealed class PathTemplateTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/orders", "/orders")]
    [InlineData("/Orders/{id}", "/orders/{}")]
    [InlineData("/a/{x}/b/{y_2}/", "/a/{}/b/{}")]
    [InlineData("/v1.0/items~list/{id}", "/v1.0/items~list/{}")]
    public void Valid_templates_parse_to_their_shape(string text, string shape)
    {
        Assert.True(PathTemplate.TryParse(text, out var template, out var problems), string.Join("; ", problems));
        Assert.Equal(shape, template.Shape);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("orders", "must start with '/'")]
    [InlineData("/a//b", "empty segment")]
    [InlineData("/orders/{id", "mixes text and a parameter")]
    [InlineData("/orders/x{id}", "mixes text and a parameter")]
    [InlineData("/orders/{1id}", "bad parameter name")]
    [InlineData("/orders/{id}/{ID}", "twice")]
    [InlineData("/orders?x=1", "character '?'")]
    [InlineData("/or ders", "character ' '")]
    public void Bad_templates_are_refused_with_the_reason(string text, string reason)
    {
        Assert.False(PathTemplate.TryParse(text, out _, out var problems));
        Assert.Contains(problems, p => p.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_of_a_template_is_reported()
    {
        Assert.False(PathTemplate.TryParse("/a//{1}/x{y}", out _, out var problems));
        Assert.Equal(3, problems.Count);
    }

    [Theory]
    [InlineData(null, "/x", "/x")]
    [InlineData("", "/x", "/x")]
    [InlineData("/shop", "/x", "/shop/x")]
    [InlineData("/shop/", "/x", "/shop/x")]
    public void Base_path_and_path_combine(string? basePath, string path, string combined) =>
        Assert.Equal(combined, PathTemplate.Combine(basePath, path));
}
