// Design notes
// ------------
// The 504 that --request-timeout (and the worker's SIGABRT) send while the app still runs.
// It is written by whoever completes the claim (ResponseClaim): the deadline's timer on a
// thread-pool thread, the worker's abort path, or the Python thread leaving a body read the
// deadline cancelled. None of them holds or takes the GIL: the page is bytes into Kestrel's
// pipe, the access-log line is built from Kestrel's features while they are still the
// claimer's, and completing the request's task hands the connection back to Kestrel. From then
// on the Python thread never touches the features; it unwinds on its own, its output discarded.
using Sharpicorn.Logging;

namespace Sharpicorn.Wsgi;

/// <summary>Answers a request whose deadline passed before the app started its response.</summary>
internal static class DeadlineAnswer
{
    /// <summary>sharpicorn's page for --request-timeout, as PythonWorker sent it before the deadline answered on its own.</summary>
    public const int Status = 504;

    public const string Reason = "Gateway Timeout";

    /// <summary>
    /// Takes the response from the app if it has not started it, and answers 504 (now, or when the
    /// Python thread leaves the body read this cancels). False when the app's response already
    /// started or an earlier claim took it. Any thread; never the GIL.
    /// </summary>
    public static bool TryAnswer(WsgiRequest req, AccessLog? access)
    {
        switch (req.Claim.TryClaim())
        {
            case ClaimOutcome.Claimed:
                Send(req, access);
                return true;
            case ClaimOutcome.Deferred:
                // Published before the Python thread entered the features, so it is the reader it waits on.
                req.BodyReaderInUse?.CancelPendingRead();
                return true;
            default:
                return false;
        }
    }

    /// <summary>Writes the 504, logs it and completes the request. Only the claim's winner calls this, once.</summary>
    public static void Send(WsgiRequest req, AccessLog? access)
    {
        long sent = 0;
        try
        {
            sent = ErrorPage.WriteToKestrel(req, Status, Reason, "", out _);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone (Kestrel aborted the response): nothing to deliver, but the task still completes.
        }
        if (access is not null)
        {
            try
            {
                access.Write(req.ToAccessLogEntry(Status, sent));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The Python thread reports access-log failures; one lost line here must not keep the 504 back.
            }
        }
        Protocol.RequestCounters.Process.Record(req.Method, Status, System.Diagnostics.Stopwatch.GetElapsedTime(req.StartTimestamp), 0, sent);
        req.Completion.TrySetResult();
    }
}
