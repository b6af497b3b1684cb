using Condenser.Processing.MapReduce;

namespace Condenser.Acquisition.Instrument;

/// <summary>
/// What a scanning transmission electron microscope offers to software: read and set the optics and the stage, scan
/// a field of view or a list of positions with any detector, and read the experiment's budgets. Every command outside
/// the instrument's limits or the experiment's budgets is refused with an <see cref="InterlockException"/> or a
/// <see cref="BudgetExceededException"/> that names the limit; nothing is clamped silently. Each acquisition reports
/// its cost in instrument time and electron dose.
/// </summary>
/// <remarks>
/// Implemented by the digital twin (in process), by <c>RemoteMicroscope</c> (a served microscope over HTTP) and by
/// drivers of real instruments. A planner sees only this contract, never a twin's ground truth.
/// </remarks>
public interface IMicroscope : IAsyncDisposable
{
    /// <summary>The instrument: its name, limits and detectors.</summary>
    Task<InstrumentDescription> DescribeAsync(CancellationToken cancel = default);

    /// <summary>Optics, stage, instrument clock and what is left of the budgets.</summary>
    Task<InstrumentState> GetStateAsync(CancellationToken cancel = default);

    /// <summary>Changes the optics (fields left null keep their value); refused as a whole if one value is outside the limits.</summary>
    Task<InstrumentState> SetOpticsAsync(OpticsChange change, CancellationToken cancel = default);

    /// <summary>Moves the stage (axes left null stay); takes the settle time on the instrument clock.</summary>
    Task<InstrumentState> MoveStageAsync(StageChange move, CancellationToken cancel = default);

    /// <summary>Sets the experiment's budgets (what has been spent so far stays spent).</summary>
    Task<InstrumentState> SetBudgetAsync(ExperimentBudget budget, CancellationToken cancel = default);

    /// <summary>
    /// Acquires with one detector over a raster or a list of positions. Frames of a pixelated camera are pushed into
    /// <paramref name="live"/> as they are acquired when it is given (its layout must match the request).
    /// </summary>
    Task<AcquisitionResult> AcquireAsync(AcquisitionRequest request, PushedFrames? live = null, CancellationToken cancel = default);
}
