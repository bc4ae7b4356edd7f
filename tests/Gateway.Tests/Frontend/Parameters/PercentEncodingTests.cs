using Gateway.Frontend.Parameters;

namespace Gateway.Tests.Frontend.Parameters;

/// <summary>Which percent-encoded values stand for UTF-8 text: the escapes, not their look, decide.</summary>
public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("caf%C3%A9")]
    [InlineData("%F0%9F%98%80 and %E2%82%AC")]
    [InlineData("caf\u00e9")]                   // text that was never escaped
    [InlineData("%25FF")]                       // an escaped '%' and two letters: the text "%FF"
    [InlineData("100%")]                        // a '%' without two hex digits stands for itself
    [InlineData("%zz%")]
    [InlineData("%2")]
    [InlineData("a%2Fb")]
    [InlineData("%00")]                         // NUL is UTF-8; the rules decide about control characters
    public void Accepts_escapes_of_utf8(string value) => Assert.True(PercentEncoding.IsUtf8(value));

    [Theory]
    [InlineData("%FF")]
    [InlineData("x%ffy")]
    [InlineData("%C3%28")]                      // a lead byte without its continuation
    [InlineData("%C3")]                         // cut at the end
    [InlineData("%C3x%A9")]                     // a character split by text
    [InlineData("%C0%AF")]                      // an overlong '/'
    [InlineData("%ED%A0%80")]                   // a surrogate
    [InlineData("%F4%90%80%80")]                // beyond U+10FFFF
    [InlineData("ok%C3%A9then%E9")]             // Latin-1's 'é'
    public void Refuses_escapes_that_are_not_utf8(string value) => Assert.False(PercentEncoding.IsUtf8(value));

    [Fact]
    public void Reads_a_run_longer_than_its_stack_buffer()
    {
        var valid = string.Concat(Enumerable.Repeat("%E2%82%AC", 200));
        Assert.True(PercentEncoding.IsUtf8(valid));
        Assert.False(PercentEncoding.IsUtf8(valid + "%E2%82"));
        Assert.False(PercentEncoding.IsUtf8("%FF" + valid));
    }
}
