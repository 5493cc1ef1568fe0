namespace Sharpicorn.Protocol;

/// <summary>The methods counted one by one; anything else is "other", so a client cannot grow the master's label set.</summary>
internal static class RequestMethods
{
    public static readonly string[] Names = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"];

    public static int Count => Names.Length;

    public static int IndexOf(string method) => method switch
    {
        "GET" => 0,
        "HEAD" => 1,
        "POST" => 2,
        "PUT" => 3,
        "DELETE" => 4,
        "PATCH" => 5,
        "OPTIONS" => 6,
        _ => 7,
    };
}
