using Gateway.Catalog;
using Gateway.Throttling;

namespace Gateway.Tests.Throttling;

/// <summary>Policies: validation with every error listed, windows, keys, special entries.</summary>
public sealed class ThrottleModelTests
{
    [Fact]
    public void An_invalid_policy_is_refused_with_every_error_listed()
    {
        var errors = new List<CatalogError>();
        CatalogValidator.ValidateThrottlePolicy(new ThrottlePolicy
        {
            Name = "bad name!",
            Unit = ThrottleUnit.Minute,
            ApiLimit = 100,
            UserLimit = 200,
            AppLimit = 300,
            IpLimit = 101,
            TimeZone = "Mars/Olympus_Mons",
            WhenUnreachable = (ThrottleFailureMode)9,
            Specials =
            [
                new ThrottleSpecial { Level = ThrottleLevel.App, Subject = "a-1", Limit = 500 },
                new ThrottleSpecial { Level = ThrottleLevel.App, Subject = "a-1", Limit = 5 },
                new ThrottleSpecial { Level = ThrottleLevel.Ip, Subject = "1.2.3.4", Limit = 5 },
                new ThrottleSpecial { Level = ThrottleLevel.User, Subject = "", Limit = 0 },
            ],
        }, errors);

        var codes = errors.Select(e => e.Code).ToList();
        Assert.Equal(
            ["BadName", "BadValue", "UserAboveApi", "AppAboveUser", "IpAboveApi", "SpecialAboveApi", "DuplicateSpecial", "BadSpecialLevel", "Required", "OutOfRange", "UnknownTimeZone", "TimeZoneWithoutDay"],
            codes);
        Assert.Contains(errors, e => e.Path == "throttlePolicies[bad name!].specials[0].limit" && e.Message.Contains("500"));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(CatalogValidator.MaxThrottleLimit + 1)]
    public void Limits_must_be_between_one_and_the_maximum(long limit)
    {
        var errors = new List<CatalogError>();
        CatalogValidator.ValidateThrottlePolicy(new ThrottlePolicy { Name = "p", ApiLimit = limit }, errors);
        Assert.Equal("OutOfRange", Assert.Single(errors).Code);
    }

    [Fact]
    public void A_policy_needs_a_limit_and_app_is_checked_against_api_without_a_user_limit()
    {
        var errors = new List<CatalogError>();
        CatalogValidator.ValidateThrottlePolicy(new ThrottlePolicy { Name = "empty" }, errors);
        CatalogValidator.ValidateThrottlePolicy(new ThrottlePolicy { Name = "app", ApiLimit = 10, AppLimit = 11 }, errors);
        Assert.Equal(["NoLimit", "AppAboveApi"], errors.Select(e => e.Code));
    }

    [Fact]
    public void Bindings_and_group_defaults_are_checked_against_the_catalog()
    {
        var state = new CatalogState();
        state.Groups["shop"] = new ApiGroup { Name = "shop", DefaultThrottle = new GroupThrottle { Limit = 0, Unit = (ThrottleUnit)7 } };
        state.ThrottlePolicies["p1"] = new ThrottlePolicy { Name = "p1", ApiLimit = 10 };
        state.ThrottleBindings["ghost/PROD"] = new ThrottleBinding { Api = "ghost", Stage = "PROD", Policy = "nope" };
        var codes = CatalogValidator.Validate(state).Select(e => e.Code).ToList();
        Assert.Equal(["UnknownApi", "UnknownStage", "UnknownPolicy", "OutOfRange", "BadValue"], codes);
    }

    [Fact]
    public void Windows_are_aligned_to_the_clock_and_days_to_the_policy_time_zone()
    {
        var now = new DateTimeOffset(2026, 3, 29, 10, 17, 42, 123, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 10, 17, 42, TimeSpan.Zero), ThrottleWindow.Of(now, ThrottleUnit.Second).Start);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 10, 18, 0, TimeSpan.Zero), ThrottleWindow.Of(now, ThrottleUnit.Minute).End);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 10, 0, 0, TimeSpan.Zero), ThrottleWindow.Of(now, ThrottleUnit.Hour).Start);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero), ThrottleWindow.Of(now, ThrottleUnit.Day).Start);

        // Shanghai's day begins at 16:00 UTC the day before.
        Assert.True(ThrottleWindow.TryFindZone("Asia/Shanghai", out var shanghai));
        var day = ThrottleWindow.Of(now, ThrottleUnit.Day, shanghai);
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 16, 0, 0, TimeSpan.Zero), day.Start);
        Assert.Equal(TimeSpan.FromHours(24), day.End - day.Start);

        // 29 March 2026 is the spring change in Berlin: that day has 23 hours.
        Assert.True(ThrottleWindow.TryFindZone("Europe/Berlin", out var berlin));
        var short_ = ThrottleWindow.Of(now, ThrottleUnit.Day, berlin);
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), short_.Start);
        Assert.Equal(TimeSpan.FromHours(23), short_.End - short_.Start);
        Assert.False(ThrottleWindow.TryFindZone("Nowhere/Atlantis", out _));
    }

    [Fact]
    public void Quota_keys_split_back_even_when_a_subject_holds_slashes()
    {
        var key = GrainKeys.Quota("p1", "get-order", "RELEASE", ThrottleLevel.User, "idp/user/42", ThrottleUnit.Minute);
        Assert.Equal("p1/get-order/RELEASE/user/idp/user/42/MINUTE", key);
        Assert.True(GrainKeys.TryParseQuota(key, out var parsed));
        Assert.Equal(new QuotaKey("p1", "get-order", "RELEASE", ThrottleLevel.User, "idp/user/42", ThrottleUnit.Minute), parsed);
        Assert.Equal("p1/get-order/RELEASE/MINUTE", parsed.ConsumersKey);
        Assert.False(GrainKeys.TryParseQuota("p1/get-order/RELEASE/who/x/MINUTE", out _));
        Assert.False(GrainKeys.TryParseQuota("default", out _));
    }

    [Fact]
    public void A_special_entry_replaces_the_default_of_its_level_only()
    {
        var policy = new ThrottlePolicy
        {
            Name = "p1",
            ApiLimit = 1000,
            AppLimit = 10,
            Specials = [new ThrottleSpecial { Level = ThrottleLevel.App, Subject = "vip", Limit = 500 }, new ThrottleSpecial { Level = ThrottleLevel.User, Subject = "boss", Limit = 900 }],
        };
        Assert.Equal(500, policy.LimitFor(ThrottleLevel.App, "vip"));
        Assert.Equal(10, policy.LimitFor(ThrottleLevel.App, "other"));
        Assert.Equal(900, policy.LimitFor(ThrottleLevel.User, "boss"));
        Assert.Null(policy.LimitFor(ThrottleLevel.User, "nobody"));
        Assert.Null(ThrottleRules.Counter(policy, "a", "RELEASE", ThrottleLevel.User, "nobody"));
        Assert.Equal(900, ThrottleRules.Counter(policy, "a", "RELEASE", ThrottleLevel.User, "boss")!.Spec.Limit);
        Assert.Null(ThrottleRules.Counter(policy, "a", "RELEASE", ThrottleLevel.App, null));
    }
}
