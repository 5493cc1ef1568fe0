using System.Globalization;
using System.Text;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>A parsed HTTP/1.x response; the raw text is kept for exact assertions.</summary>
public sealed record HttpReply(string Raw, string StatusLine, int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    public string? Header(string name) => Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public IEnumerable<string> HeaderValues(string name) => Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    public static HttpReply Parse(string raw)
    {
        int end = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            throw new FormatException("no complete response head in: " + raw);
        }
        string[] lines = raw[..end].Split("\r\n");
        var headers = new List<KeyValuePair<string, string>>();
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }
        string body = raw[(end + 4)..];
        if (headers.Any(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value == "chunked"))
        {
            body = Dechunk(body);
        }
        int status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        return new HttpReply(raw, lines[0], status, headers, body);
    }

    public static string Dechunk(string chunked)
    {
        var sb = new StringBuilder();
        int i = 0;
        while (i < chunked.Length)
        {
            int eol = chunked.IndexOf("\r\n", i, StringComparison.Ordinal);
            int size = int.Parse(chunked[i..eol].Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }
            sb.Append(chunked, eol + 2, size);
            i = eol + 2 + size + 2;
        }
        return sb.ToString();
    }
}
