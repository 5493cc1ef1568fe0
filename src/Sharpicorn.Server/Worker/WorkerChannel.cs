using System.IO.Pipes;
using Sharpicorn.Protocol;

namespace Sharpicorn.Worker;

/// <summary>The worker's end of its pipe to the arbiter: 9-byte frames, written under a lock.</summary>
internal sealed class WorkerChannel : IDisposable
{
    private readonly Lock _lock = new();
    private readonly AnonymousPipeClientStream _pipe;
    private readonly byte[] _frame = new byte[9];

    public WorkerChannel(string fd)
    {
        _pipe = new AnonymousPipeClientStream(PipeDirection.Out, fd);
    }

    /// <summary>gunicorn's heartbeat file: each heartbeat also stamps it with the heartbeat's time, for tools that watch it.</summary>
    public Platform.WorkerTmp? Tmp { get; set; }

    /// <summary>False when the arbiter is gone (the pipe is broken).</summary>
    public bool Send(WorkerMessage message, long payload = 0)
    {
        if (message == WorkerMessage.Heartbeat)
        {
            Tmp?.Notify(payload);
        }
        lock (_lock)
        {
            _frame[0] = (byte)message;
            BitConverter.TryWriteBytes(_frame.AsSpan(1), payload);
            try
            {
                _pipe.Write(_frame);
                _pipe.Flush();
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>A stats frame and its bytes, written together under the lock. False when the arbiter is gone.</summary>
    public bool SendStats(byte[] encoded)
    {
        lock (_lock)
        {
            _frame[0] = (byte)WorkerMessage.Stats;
            BitConverter.TryWriteBytes(_frame.AsSpan(1), (long)encoded.Length);
            try
            {
                _pipe.Write(_frame);
                _pipe.Write(encoded);
                _pipe.Flush();
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        _pipe.Dispose();
        Tmp?.Dispose();
    }
}
