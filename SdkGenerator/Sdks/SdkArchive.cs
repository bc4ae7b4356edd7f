using System.IO.Compression;
using System.Text;

namespace Gateway.SdkGenerator.Sdks;

/// <summary>
/// A zip whose bytes depend only on its files: entries sorted by path, one fixed timestamp, no extra fields,
/// so that the same catalog revision always downloads the same archive (and caches, diffs and checksums work).
/// </summary>
public static class SdkArchive
{
    /// <summary>The earliest time a zip can hold, written on every entry.</summary>
    private static readonly DateTimeOffset EntryTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Create(IReadOnlyDictionary<string, string> files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8))
        {
            foreach (var (path, text) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
                entry.LastWriteTime = EntryTime;
                using var stream = entry.Open();
                stream.Write(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")));
            }
        }

        return buffer.ToArray();
    }
}
