namespace Condenser.Acquisition.Instrument;

/// <summary>An experiment's budgets; null: unlimited.</summary>
/// <param name="MaxDosePerAreaEPerA2">Largest accumulated dose at any point of the sample (e⁻/Å²).</param>
/// <param name="MaxTotalElectrons">Electrons delivered in all.</param>
/// <param name="MaxTimeS">Instrument time in all (s).</param>
public sealed record ExperimentBudget(double? MaxDosePerAreaEPerA2 = null, double? MaxTotalElectrons = null, double? MaxTimeS = null)
{
    /// <summary>No budget.</summary>
    public static ExperimentBudget Unlimited { get; } = new();

    /// <summary>Refuses what would overrun a budget: <paramref name="seconds"/> more instrument time after <paramref name="usedS"/>, <paramref name="electrons"/> more after <paramref name="usedElectrons"/>, a point brought to <paramref name="peakDose"/> e⁻/Å².</summary>
    public void Check(double usedS, double seconds, double usedElectrons = 0, double electrons = 0, double peakDose = 0)
    {
        if (MaxTimeS is { } t && usedS + seconds > t)
        {
            throw new BudgetExceededException("budget.max_time_s", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"this needs {seconds:G4} s of instrument time; {Math.Max(0, t - usedS):G4} s of the {t:G4} s budget are left"));
        }

        if (MaxTotalElectrons is { } e && usedElectrons + electrons > e)
        {
            throw new BudgetExceededException("budget.max_total_electrons", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"this acquisition delivers {electrons:G4} electrons; {Math.Max(0, e - usedElectrons):G4} of the {e:G4} budget are left"));
        }

        if (MaxDosePerAreaEPerA2 is { } d && peakDose > d)
        {
            throw new BudgetExceededException("budget.max_dose_per_area_e_per_a2", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"this acquisition would bring the dose at a point of the sample to {peakDose:G4} e⁻/Å², over the budget of {d:G4} e⁻/Å²"));
        }
    }

    /// <summary>Spending against these budgets.</summary>
    public BudgetState StateOf(double usedS, double usedElectrons, double peakDose) => new(
        this, usedS, usedElectrons, peakDose,
        MaxTimeS is { } t ? Math.Max(0, t - usedS) : null,
        MaxTotalElectrons is { } e ? Math.Max(0, e - usedElectrons) : null,
        MaxDosePerAreaEPerA2 is { } d ? Math.Max(0, d - peakDose) : null);
}

/// <summary>One command at a time, as on an instrument.</summary>
internal sealed class CommandGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Runs <paramref name="command"/> with the instrument to itself.</summary>
    public async Task<T> RunAsync<T>(Func<T> command, CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return command();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();
}

/// <summary>What has been spent and what is left (null where the budget is unlimited).</summary>
/// <param name="Budget">The budgets.</param>
/// <param name="UsedTimeS">Instrument time spent (s).</param>
/// <param name="UsedElectrons">Electrons delivered.</param>
/// <param name="PeakDoseEPerA2">Largest accumulated dose at any point so far (e⁻/Å²).</param>
/// <param name="RemainingTimeS">Time left (s).</param>
/// <param name="RemainingElectrons">Electrons left.</param>
/// <param name="RemainingDosePerAreaEPerA2">Dose per area left where the sample has received the most (e⁻/Å²).</param>
public sealed record BudgetState(ExperimentBudget Budget, double UsedTimeS, double UsedElectrons, double PeakDoseEPerA2, double? RemainingTimeS, double? RemainingElectrons, double? RemainingDosePerAreaEPerA2);

/// <summary>The whole state of an instrument at one moment.</summary>
/// <param name="Optics">The optics.</param>
/// <param name="Stage">The stage as its encoders report it.</param>
/// <param name="ClockS">The instrument clock (s since the session began).</param>
/// <param name="Budget">Budgets and spending.</param>
/// <param name="Acquisitions">Acquisitions so far.</param>
public sealed record InstrumentState(OpticsState Optics, StagePosition Stage, double ClockS, BudgetState Budget, int Acquisitions);

/// <summary>A command refused because a value lies outside the instrument's limits.</summary>
public class InterlockException(string limit, string message) : InvalidOperationException(message)
{
    /// <summary>The name of the limit (e.g. <c>stage.x_um</c>, <c>optics.probe_current_pa</c>).</summary>
    public string Limit { get; } = limit;
}

/// <summary>An acquisition refused because it would overrun one of the experiment's budgets.</summary>
public sealed class BudgetExceededException(string limit, string message) : InterlockException(limit, message);
