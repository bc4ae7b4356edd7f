using Gateway.Frontend.Pipeline;

namespace Gateway.Tests.Frontend.Pipeline;

public sealed class RequestIdTests
{
    [Fact]
    public void Ids_are_upper_case_uuids_unique_and_share_this_process_prefix()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => RequestIds.Next()).ToList();

        Assert.All(ids, id => Assert.Matches("^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$", id));
        Assert.True(Guid.TryParse(ids[0], out _));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Single(ids.Select(id => id[..19]).Distinct(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Ids_given_from_many_threads_at_once_never_repeat()
    {
        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 5_000).Select(_ => RequestIds.Next()).ToList())));

        var all = batches.SelectMany(b => b).ToList();
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }
}
