using DrsGraph.DrsClient;
using DrsGraph.Gateway.DataLoading;

namespace DrsGraph.Gateway.Tests.DataLoading;

public sealed class BatchDataLoaderTests
{
    private readonly List<IReadOnlyList<string>> _fetches = [];

    private BatchDataLoader<string> Loader(Func<string, DrsResult<string>>? answer = null) => new((keys, _) =>
    {
        _fetches.Add(keys);
        IReadOnlyDictionary<string, DrsResult<string>> results = keys.ToDictionary(k => k, k => answer?.Invoke(k) ?? DrsResult<string>.Success("value-" + k));
        return Task.FromResult(results);
    });

    [Fact]
    public async Task Loading_fetches_nothing_until_the_first_result_is_awaited_which_fetches_every_registered_key_once()
    {
        var loader = Loader();
        var a = loader.Load("a");
        var b = loader.Load("b");
        var a2 = loader.Load("a");
        Assert.Empty(_fetches);

        Assert.Equal("value-a", (await a.GetResultAsync()).Value);
        Assert.Equal("value-b", (await b.GetResultAsync()).Value);
        Assert.Equal("value-a", (await a2.GetResultAsync()).Value);

        var fetch = Assert.Single(_fetches);
        Assert.Equal(["a", "b"], fetch.Order());
    }

    [Fact]
    public async Task A_known_key_is_answered_from_the_operation_without_another_fetch()
    {
        var loader = Loader();
        await loader.Load("a").GetResultAsync();

        await loader.Load("a").GetResultAsync();

        Assert.Single(_fetches);
        Assert.Equal(1, loader.DispatchCount);
    }

    [Fact]
    public async Task Transient_failures_are_forgotten_so_a_later_phase_asks_again_but_permanent_ones_are_kept()
    {
        var transient = new DrsError("DRS.M00004", "down", DrsErrorKind.Unavailable, 503);
        var missing = new DrsError("DRS.M00289", "no such job", DrsErrorKind.NotFound, 400);
        var loader = Loader(k => k == "t" ? DrsResult<string>.Failure(transient) : DrsResult<string>.Failure(missing));
        var t = loader.Load("t");
        var m = loader.Load("m");
        Assert.Equal(transient, (await t.GetResultAsync()).Error);
        Assert.Equal(missing, (await m.GetResultAsync()).Error);

        var t2 = loader.Load("t");
        var m2 = loader.Load("m");
        await t2.GetResultAsync();
        await m2.GetResultAsync();

        Assert.Equal(2, _fetches.Count);
        Assert.Equal(["t"], _fetches[1]);
    }

    [Fact]
    public async Task A_fetch_that_throws_fails_only_its_keys_and_none_stays_cached()
    {
        var calls = 0;
        var loader = new BatchDataLoader<string>((keys, _) => ++calls == 1
            ? throw new HttpRequestException("boom")
            : Task.FromResult<IReadOnlyDictionary<string, DrsResult<string>>>(keys.ToDictionary(k => k, k => DrsResult<string>.Success(k))));
        var first = loader.Load("x");
        await Assert.ThrowsAsync<HttpRequestException>(() => first.GetResultAsync());

        Assert.Equal("x", (await loader.Load("x").GetResultAsync()).Value);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task A_key_the_fetch_did_not_answer_gets_a_protocol_error()
    {
        var loader = new BatchDataLoader<string>((_, _) => Task.FromResult<IReadOnlyDictionary<string, DrsResult<string>>>(new Dictionary<string, DrsResult<string>>()));

        var result = await loader.Load("lost").GetResultAsync();

        Assert.Equal(DrsErrorKind.Protocol, result.Error!.Kind);
    }

    [Fact]
    public async Task Many_keys_load_in_one_fetch_answered_in_the_order_given_with_duplicates()
    {
        var loader = Loader(k => k == "gone"
            ? DrsResult<string>.Failure(new DrsError("DRS.M00289", "no such job", DrsErrorKind.NotFound, 400))
            : DrsResult<string>.Success("value-" + k));

        var answers = await loader.LoadManyAsync(["b", "a", "gone", "b"], CancellationToken.None);

        Assert.Equal(["value-b", "value-a", null, "value-b"], answers.Select(a => a.Value));
        Assert.Equal(DrsErrorKind.NotFound, answers[2].Error!.Kind);
        var fetch = Assert.Single(_fetches);
        Assert.Equal(["a", "b", "gone"], fetch.Order());
    }

    [Fact]
    public async Task A_many_key_load_joins_the_phase_batch_and_known_keys_are_not_fetched_again()
    {
        var loader = Loader();
        await loader.Load("a").GetResultAsync();
        var single = loader.Load("c");
        var many = loader.LoadMany(["a", "b", "c"]);
        Assert.Single(_fetches);

        var answers = await many.GetResultAsync();

        Assert.Equal(["value-a", "value-b", "value-c"], answers.Select(a => a.Value));
        Assert.Equal("value-c", (await single.GetResultAsync()).Value);
        Assert.Equal(2, _fetches.Count);
        Assert.Equal(["b", "c"], _fetches[1].Order());
    }
}
