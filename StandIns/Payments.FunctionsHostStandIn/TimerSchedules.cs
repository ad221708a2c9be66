using NCrontab;

namespace Payments.FunctionsHostStandIn;

/// <summary>A timer function's schedule as the host resolves it.</summary>
public sealed record TimerSchedule(string FunctionName, string Declared, string Expression, CrontabSchedule Schedule);

/// <summary>
/// The host's checks on timer triggers: a <c>%Setting%</c> schedule is read from the app settings
/// (a missing setting stops the host), and the result must be a six-field NCRONTAB expression
/// (seconds first). The host's TimeSpan form ("00:05:00") is not accepted here.
/// </summary>
public static class TimerSchedules
{
    private static readonly CrontabSchedule.ParseOptions SixFields = new() { IncludingSeconds = true };

    public static IReadOnlyList<TimerSchedule> ResolveAll(IEnumerable<WorkerFunction> functions, IReadOnlyDictionary<string, string> appSettings) =>
        functions.Where(f => f.IsTimer).Select(f => Resolve(f, appSettings)).ToList();

    public static TimerSchedule Resolve(WorkerFunction function, IReadOnlyDictionary<string, string> appSettings)
    {
        var declared = function.TimerSchedule;
        if (string.IsNullOrWhiteSpace(declared))
            throw new FunctionsHostStandInException($"Timer function {function.Name} has no schedule.");

        var expression = AppSettings.Resolve(appSettings, declared, $"Timer function {function.Name}: its schedule");
        if (expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6
            || CrontabSchedule.TryParse(expression, SixFields) is not { } schedule)
            throw new FunctionsHostStandInException(
                $"Timer function {function.Name}: schedule '{expression}' (from '{declared}') is not a six-field NCRONTAB expression (seconds first).");
        return new TimerSchedule(function.Name, declared, expression, schedule);
    }
}
