using System.Text;

namespace Gateway.SdkGenerator.Sdks;

/// <summary>
/// Names valid in every target language from catalog names ('get-order', 'X-Tenant', 'page.size'): words are
/// split on anything that is not a letter or digit, a leading digit gets a prefix, and each language escapes
/// its own keywords.
/// </summary>
public static class Identifiers
{
    public static string Pascal(string name) => Join(Words(name), capitalizeFirst: true);

    public static string Camel(string name) => Join(Words(name), capitalizeFirst: false);

    /// <summary>Lower-case words joined by nothing, for package and module names.</summary>
    public static string Flat(string name) => string.Concat(Words(name)).ToLowerInvariant() is { Length: > 0 } flat && char.IsAsciiLetter(flat[0]) ? flat : "api" + string.Concat(Words(name)).ToLowerInvariant();

    /// <summary>A name not in <paramref name="taken"/>, by adding 2, 3, ...</summary>
    public static string Unique(string name, ISet<string> taken)
    {
        var candidate = name;
        for (var i = 2; !taken.Add(candidate); i++)
        {
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static List<string> Words(string name)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsAsciiLetterOrDigit(c))
            {
                Flush();
                continue;
            }

            // 'getOrder' splits where a lower-case letter meets an upper-case one, 'HTTPServer' before the last capital.
            if (char.IsAsciiLetterUpper(c) && current.Length > 0
                && (char.IsAsciiLetterLower(current[^1]) || (char.IsAsciiLetterUpper(current[^1]) && i + 1 < name.Length && char.IsAsciiLetterLower(name[i + 1]))))
            {
                Flush();
            }

            current.Append(c);
        }

        Flush();
        if (words.Count == 0)
        {
            words.Add("value");
        }

        if (char.IsAsciiDigit(words[0][0]))
        {
            words.Insert(0, "n");
        }

        return words;

        void Flush()
        {
            if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }
    }

    private static string Join(List<string> words, bool capitalizeFirst)
    {
        var text = new StringBuilder();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            var upperFirst = i > 0 || capitalizeFirst;
            text.Append(upperFirst ? char.ToUpperInvariant(word[0]) : char.ToLowerInvariant(word[0]));
            text.Append(word.Length > 1 && word.All(char.IsAsciiLetterUpper) ? word[1..].ToLowerInvariant() : word[1..]);
        }

        return text.ToString();
    }
}
