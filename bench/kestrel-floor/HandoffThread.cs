using System.Globalization;

namespace KestrelFloor;

/// <summary>One dedicated thread: the loop of sharpicorn's PythonWorker, with the app reduced to <see cref="Hello"/>.</summary>
internal sealed class HandoffThread(HandoffPool pool, int slot, PythonHello? python)
{
    /// <summary>sharpicorn's Python thread stack (8 MiB), so the threads are alike.</summary>
    private const int StackSize = 8 * 1024 * 1024;

    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private FloorRequest? _handed;

    public ManualResetEventSlim Ready { get; } = new(false);

    public void Start()
    {
        var thread = new Thread(Run, StackSize)
        {
            IsBackground = true,
            Name = "floor-" + slot.ToString(CultureInfo.InvariantCulture),
        };
        thread.Start();
    }

    internal void Hand(FloorRequest request)
    {
        _handed = request;
        _wake.Set();
    }

    private void Run()
    {
        nint state = python?.AttachThread() ?? 0;
        FloorRequest? finished = null;
        while (true)
        {
            // As in sharpicorn: completing the last request and waiting for the next happen in
            // one stretch without the GIL.
            if (finished is null)
            {
                Ready.Set();
            }
            else
            {
                finished.Completion.TrySetResult();
            }
            FloorRequest request = Take();
            if (python is null)
            {
                Hello.Write(request.Features, Hello.Body);
            }
            else
            {
                python.Restore(state);
                python.Answer(request.Features);
                state = python.Save();
            }
            finished = request;
        }
    }

    private FloorRequest Take()
    {
        FloorRequest? request = pool.TakeOrPark(this);
        if (request is null)
        {
            _wake.Wait();
            _wake.Reset();
            request = _handed!;
            _handed = null;
        }
        return request;
    }
}
