using Condenser.Acquisition.Instrument;

namespace Condenser.Acquisition.Tests;

/// <summary>Limits and budgets refuse what they must, name the limit, and change nothing.</summary>
public sealed class InterlockTests
{
    [Theory]
    [InlineData("stage.x_um")]
    [InlineData("stage.alpha_deg")]
    [InlineData("optics.probe_current_pa")]
    [InlineData("optics.high_tension_kv")]
    [InlineData("optics.convergence_mrad")]
    public async Task Commands_outside_the_limits_are_refused_naming_the_limit(string limit)
    {
        await using var twin = Twins.Ideal("polycrystal");
        var before = await twin.GetStateAsync();
        var e = await Assert.ThrowsAnyAsync<InterlockException>(() => limit switch
        {
            "stage.x_um" => twin.MoveStageAsync(new StageChange { XUm = 5000 }),
            "stage.alpha_deg" => twin.MoveStageAsync(new StageChange { AlphaDeg = 80 }),
            "optics.probe_current_pa" => twin.SetOpticsAsync(new OpticsChange { ProbeCurrentPa = 1e6 }),
            "optics.high_tension_kv" => twin.SetOpticsAsync(new OpticsChange { HighTensionKv = 250 }),
            _ => twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = -1 }),
        });
        Assert.Equal(limit, e.Limit);
        Assert.Contains(limit, e.Message);
        Assert.Equal(before, await twin.GetStateAsync());
    }

    [Fact]
    public async Task Acquisitions_outside_the_limits_are_refused()
    {
        await using var twin = Twins.Ideal("polycrystal");
        var ok = Twins.Request(DetectorKind.Haadf, 0, 0, 10, 16);
        Assert.Equal("scan.pixels_x", (await Assert.ThrowsAsync<InterlockException>(() => twin.AcquireAsync(ok with { Scan = ok.Scan with { PixelsX = 100000 } }))).Limit);
        Assert.Equal("scan.dwell_us", (await Assert.ThrowsAsync<InterlockException>(() => twin.AcquireAsync(ok with { Scan = ok.Scan with { DwellUs = double.NaN } }))).Limit);
        Assert.Equal("scan.positions", (await Assert.ThrowsAsync<InterlockException>(() => twin.AcquireAsync(ok with { Positions = [0, 256] }))).Limit);
        Assert.Equal("scan.dwells_us", (await Assert.ThrowsAsync<InterlockException>(() => twin.AcquireAsync(ok with { Positions = [0, 1], DwellsUs = [1] }))).Limit);
        Assert.Equal("camera.pixels", (await Assert.ThrowsAsync<InterlockException>(() => twin.AcquireAsync(ok with { Detector = DetectorKind.FourDStem, CameraPixels = 4 }))).Limit);
        await twin.SetOpticsAsync(new OpticsChange { BeamBlanked = true });
        Assert.Equal("optics.beam_blanked", (await Assert.ThrowsAsync<InterlockException>(() => twin.AcquireAsync(ok))).Limit);
        await twin.SetOpticsAsync(new OpticsChange { BeamBlanked = false, Mode = OpticalMode.Tem });
        Assert.Equal("optics.mode", (await Assert.ThrowsAsync<InterlockException>(() => twin.AcquireAsync(ok))).Limit);
        Assert.Equal(0, (await twin.GetStateAsync()).Acquisitions);
    }

    [Fact]
    public async Task Budgets_refuse_before_any_electron_reaches_the_sample()
    {
        await using var twin = Twins.Ideal("polycrystal");
        var request = Twins.Request(DetectorKind.Haadf, 0, 0, 10, 64, 10); // 64² × 10 µs at 20 pA: 5.1e6 e⁻ over 0.01 µm²
        var first = await twin.AcquireAsync(request);
        double dose = first.Cost.DoseEPerA2;
        Assert.Equal(20e-12 * 10e-6 / DigitalTwin.DigitalTwin.ElectronCharge / (Math.Pow(10.0 / 64, 2) * 100), dose, dose * 1e-9);
        await twin.SetBudgetAsync(new ExperimentBudget(MaxDosePerAreaEPerA2: 1.5 * dose));
        var before = await twin.GetStateAsync();
        Assert.Equal(0.5 * dose, before.Budget.RemainingDosePerAreaEPerA2!.Value, dose * 1e-6);
        var e = await Assert.ThrowsAsync<BudgetExceededException>(() => twin.AcquireAsync(request));
        Assert.Equal("budget.max_dose_per_area_e_per_a2", e.Limit);
        Assert.Equal(before, await twin.GetStateAsync());
        // Elsewhere the dose is fresh: allowed.
        await twin.AcquireAsync(request with { Scan = request.Scan with { CenterXNm = 100 } });

        await twin.SetBudgetAsync(new ExperimentBudget(MaxTimeS: (await twin.GetStateAsync()).ClockS + 0.01));
        Assert.Equal("budget.max_time_s", (await Assert.ThrowsAsync<BudgetExceededException>(() => twin.AcquireAsync(request with { Scan = request.Scan with { CenterXNm = 200 } }))).Limit);
        var state = await twin.GetStateAsync();
        Assert.InRange(state.Budget.RemainingTimeS!.Value, 0.0099, 0.0101);

        await twin.SetBudgetAsync(new ExperimentBudget(MaxTotalElectrons: state.Budget.UsedElectrons + 1000));
        Assert.Equal("budget.max_total_electrons", (await Assert.ThrowsAsync<BudgetExceededException>(() => twin.AcquireAsync(request with { Scan = request.Scan with { CenterXNm = 300 } }))).Limit);
        await Assert.ThrowsAsync<InterlockException>(() => twin.SetBudgetAsync(new ExperimentBudget(MaxTimeS: -1)));
    }

    [Fact]
    public async Task Stage_moves_cost_settle_time_and_reversals_show_backlash()
    {
        await using var twin = new DigitalTwin.DigitalTwin(new Condenser.Acquisition.DigitalTwin.TwinOptions { Scene = "polycrystal" } with { StageRepeatabilityUm = 0 });
        var s0 = await twin.GetStateAsync();
        var s1 = await twin.MoveStageAsync(new StageChange { XUm = 10 });
        Assert.InRange(s1.ClockS - s0.ClockS, 0.5 + (10 / 20.0) - 1e-9, 0.5 + (10 / 20.0) + 1e-9);
        Assert.Equal(10, s1.Stage.XUm);
        var ahead = twin.AxisNm;
        await twin.MoveStageAsync(new StageChange { XUm = 11 });
        await twin.MoveStageAsync(new StageChange { XUm = 10 });
        // Same reported position, approached from the other side: off by the backlash (50 nm).
        Assert.Equal(50, twin.AxisNm.X - ahead.X, 6);
    }
}
