namespace Condenser.Acquisition.Instrument;

/// <summary>An experiment's budgets; null: unlimited.</summary>
/// <param name="MaxDosePerAreaEPerA2">Largest accumulated dose at any point of the sample (e⁻/Å²).</param>
/// <param name="MaxTotalElectrons">Electrons delivered in all.</param>
/// <param name="MaxTimeS">Instrument time in all (s).</param>
public sealed record ExperimentBudget(double? MaxDosePerAreaEPerA2 = null, double? MaxTotalElectrons = null, double? MaxTimeS = null)
{
    /// <summary>No budget.</summary>
    public static ExperimentBudget Unlimited { get; } = new();
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
