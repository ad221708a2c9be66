namespace Payments.FunctionsHostStandIn;

/// <summary>The last lines the worker wrote (stdout, stderr and its RpcLog messages), for failure messages.</summary>
internal sealed class OutputTail(int capacity)
{
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
                _lines.Dequeue();
        }
    }

    public override string ToString()
    {
        lock (_lines)
            return _lines.Count == 0 ? "(nothing)" : string.Join('\n', _lines);
    }
}
