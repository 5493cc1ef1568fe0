namespace Sharpicorn.Protocol;

/// <summary>The request-duration histogram's upper bounds (seconds): the Prometheus Python client's defaults, then +Inf.</summary>
internal static class DurationBuckets
{
    public static readonly double[] Bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

    /// <summary>The bounds plus the +Inf bucket.</summary>
    public static int Count => Bounds.Length + 1;

    public static int IndexOf(double seconds)
    {
        for (int i = 0; i < Bounds.Length; i++)
        {
            if (seconds <= Bounds[i])
            {
                return i;
            }
        }
        return Bounds.Length;
    }
}
