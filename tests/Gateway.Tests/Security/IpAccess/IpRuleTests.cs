using System.Net;
using Gateway.Frontend.Security.IpAccess;
using Gateway.Security;

namespace Gateway.Tests.Security.IpAccess;

/// <summary>Addresses, CIDR ranges, X-Forwarded-For entries and the allow/deny decision, without a server.</summary>
public sealed class IpRuleTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("10.1.2.0/23", "10.1.3.200", true)]
    [InlineData("10.1.2.0/23", "10.1.4.1", false)]
    [InlineData("203.0.113.7", "203.0.113.7", true)]
    [InlineData("203.0.113.7", "203.0.113.8", false)]
    [InlineData("0.0.0.0/0", "198.51.100.1", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::1/128", "2001:db8::1", true)]
    [InlineData("10.0.0.0/8", "::ffff:10.2.3.4", true)]
    [InlineData("::ffff:10.0.0.0/104", "10.2.3.4", true)]
    [InlineData("::ffff:10.0.0.0/104", "11.2.3.4", false)]
    public void A_range_contains_what_it_should(string rule, string address, bool contained)
    {
        Assert.True(IpRange.TryParse(rule, out var range, out var problem), problem);
        Assert.Equal(contained, range!.Value.Contains(IpRange.Canonical(IPAddress.Parse(address))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/")]
    [InlineData("not-an-ip")]
    [InlineData("fe80::1%eth0")]
    [InlineData("::ffff:10.0.0.0/90")]
    public void A_bad_rule_is_refused_with_a_reason(string rule)
    {
        Assert.False(IpRange.TryParse(rule, out _, out var problem));
        Assert.NotEmpty(problem);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("203.0.113.7:5123", "203.0.113.7")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("[2001:db8::1]", "2001:db8::1")]
    [InlineData("[2001:db8::1]:443", "2001:db8::1")]
    [InlineData("::ffff:10.2.3.4", "10.2.3.4")]
    public void Forwarded_for_entries_parse(string entry, string expected)
    {
        Assert.True(ForwardedFor.TryParseEntry(entry, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("")]
    [InlineData("unknown")]
    [InlineData("10.1")]
    [InlineData("0x0a.1.2.3")]
    [InlineData("10.1.2.3.4")]
    [InlineData("256.1.2.3")]
    [InlineData("10.1.2.3:99999")]
    [InlineData("10.1.2.3:")]
    [InlineData("[2001:db8::1")]
    [InlineData("[10.1.2.3]")]
    [InlineData("fe80::1%eth0")]
    [InlineData("_hidden")]
    public void Malformed_forwarded_for_entries_are_refused(string entry) =>
        Assert.False(ForwardedFor.TryParseEntry(entry, out _));

    [Fact]
    public void A_forwarded_for_list_names_the_bad_entry()
    {
        var entries = new List<IPAddress>();
        Assert.False(ForwardedFor.TryParse(["198.51.100.7, nope, 10.2.3.4"], entries, out var problem));
        Assert.Contains("entry 2 ('nope')", problem);
    }

    [Fact]
    public void Deny_wins_over_allow_and_each_level_with_allow_entries_must_admit()
    {
        var group = new IpAccessControl { Allow = [new IpAllowEntry { Address = "10.0.0.0/8" }] };
        var api = new IpAccessControl { Allow = [new IpAllowEntry { Address = "10.1.0.0/16" }], Deny = ["10.1.9.0/24"] };
        var policy = IpAccessPolicy.Compile(group, api);

        Assert.True(policy.Evaluate(IPAddress.Parse("10.1.2.3")).Allowed);
        Assert.False(policy.Evaluate(IPAddress.Parse("10.1.9.3")).Allowed);   // denied by the API
        Assert.False(policy.Evaluate(IPAddress.Parse("10.2.0.1")).Allowed);   // the group admits, the API does not
        Assert.False(policy.Evaluate(IPAddress.Parse("192.0.2.1")).Allowed);
        Assert.False(policy.Evaluate(null).Allowed);
        Assert.True(IpAccessPolicy.Compile(null, new IpAccessControl()).Evaluate(null).Allowed);
    }

    [Fact]
    public void An_address_admitted_only_for_apps_is_decided_by_the_authenticated_app()
    {
        var policy = IpAccessPolicy.Compile(new IpAccessControl
        {
            Allow =
            [
                new IpAllowEntry { Address = "10.5.0.0/16", App = "app-1" },
                new IpAllowEntry { Address = "10.5.1.0/24", App = "app-2" },
                new IpAllowEntry { Address = "10.6.0.0/16" },
            ],
        });

        var decision = policy.Evaluate(IPAddress.Parse("10.5.1.7"));
        Assert.True(decision.Allowed);
        var requirement = new IpAppRequirement(decision.AppSets!);
        Assert.True(requirement.IsMetBy("app-1"));
        Assert.True(requirement.IsMetBy("app-2"));
        Assert.False(requirement.IsMetBy("app-3"));
        Assert.False(requirement.IsMetBy(null));

        Assert.False(new IpAppRequirement(policy.Evaluate(IPAddress.Parse("10.5.2.7")).AppSets!).IsMetBy("app-2"));
        Assert.Null(policy.Evaluate(IPAddress.Parse("10.6.0.1")).AppSets);
        Assert.False(policy.Evaluate(IPAddress.Parse("10.7.0.1")).Allowed);
    }
}
