using Gateway.Frontend.Parameters;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Frontend.Parameters;

/// <summary>
/// The mapped backend query is written as YARP's query context wrote it (ASP.NET Core's QueryBuilder): byte for byte,
/// since the backend signature covers it and backends parse it.
/// </summary>
public sealed class BackendQueryTests
{
    public static TheoryData<string[]> Queries => new()
    {
        Array.Empty<string>(),
        new[] { "a", "1" },
        new[] { "a", "1", "b", "2", "c", "" },
        new[] { "name with space", "value with space", "plus", "1+1=2", "amp&", "a&b=c" },
        new[] { "ünï", "çødé 😀", "slash", "/x/y?z#f", "percent", "100%" },
        new[] { "lone", "\ud800", "x", "\udc00tail" },
        new[] { "many", "1", "many", "2", "many", "3", "other", "o" },
        new[] { "long", new string('x', 600), "longer", new string('é', 400) },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void Writes_what_QueryBuilder_writes(string[] pairs)
    {
        var collection = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < pairs.Length; i += 2)
        {
            collection[pairs[i]] = collection.TryGetValue(pairs[i], out var existing) ? StringValues.Concat(existing, pairs[i + 1]) : new StringValues(pairs[i + 1]);
        }

        Assert.Equal(new QueryBuilder(collection).ToQueryString(), BackendQuery.Format(collection));

        // MAPPING mode keeps its query in an array, in the order names were first set: the same bytes.
        Assert.Equal(new QueryBuilder(collection).ToQueryString(), BackendQuery.Format(collection.Select(p => (p.Key, p.Value)).ToArray().AsSpan()));
    }

    [Fact]
    public void A_name_without_values_or_with_a_null_value_writes_what_QueryBuilder_writes()
    {
        var collection = new Dictionary<string, StringValues>
        {
            ["none"] = StringValues.Empty,
            ["null"] = new StringValues((string?)null),
            ["nulls"] = new StringValues(new string?[] { null, "x", null }),
            ["kept"] = "k",
        };

        var expected = new QueryBuilder(collection).ToQueryString();
        Assert.Equal(expected, BackendQuery.Format(collection));
        Assert.Equal(expected, BackendQuery.Format(collection.Select(p => (p.Key, p.Value)).ToArray().AsSpan()));
        Assert.Equal("?nulls=&nulls=x&nulls=&kept=k", BackendQuery.Format(collection).Value);
    }

    [Fact]
    public void An_empty_collection_is_no_query()
    {
        var query = BackendQuery.Format(new Dictionary<string, StringValues>());
        Assert.False(query.HasValue);
        Assert.Equal(new QueryBuilder(new Dictionary<string, StringValues>()).ToQueryString(), query);
        Assert.False(BackendQuery.Format(ReadOnlySpan<(string, StringValues)>.Empty).HasValue);
    }
}
