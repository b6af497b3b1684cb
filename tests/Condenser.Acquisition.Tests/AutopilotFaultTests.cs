using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Processing.MapReduce;

namespace Condenser.Acquisition.Tests;

/// <summary>
/// Adversarial microscopes and models: a planner facing errors, hangs, values that are not numbers or an exhausted
/// budget falls back or stops with a logged reason, never crashes and never oversteps.
/// </summary>
public sealed class AutopilotFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-autopilot-faults-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AutopilotOptions Options(PolicyKind policy) => new() { Policy = policy, Fraction = 0.15, Grid = 24, FovNm = 90, Seed = 3, AcquireTimeoutS = 2, AcquireRetries = 2 };

    private static DigitalTwin.DigitalTwin Twin() => new(new TwinOptions { Scene = "nanoparticles", Seed = 2 } with { DriftNmPerS = 0, Damage = false });

    private static List<JsonNode> Log(string run) => File.ReadAllLines(Path.Combine(run, "log.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();

    /// <summary>A microscope that does what <paramref name="fault"/> says on the n-th acquisition (from 1), and otherwise passes to the twin.</summary>
    private sealed class Faulty(IMicroscope inner, Func<int, string?> fault) : IMicroscope
    {
        private int _calls;

        public int Calls => _calls;

        public Task<InstrumentDescription> DescribeAsync(CancellationToken cancel = default) => inner.DescribeAsync(cancel);

        public Task<InstrumentState> GetStateAsync(CancellationToken cancel = default) => inner.GetStateAsync(cancel);

        public Task<InstrumentState> SetOpticsAsync(OpticsChange change, CancellationToken cancel = default) => inner.SetOpticsAsync(change, cancel);

        public Task<InstrumentState> MoveStageAsync(StageChange move, CancellationToken cancel = default) => inner.MoveStageAsync(move, cancel);

        public Task<InstrumentState> SetBudgetAsync(ExperimentBudget budget, CancellationToken cancel = default) => inner.SetBudgetAsync(budget, cancel);

        public async Task<AcquisitionResult> AcquireAsync(AcquisitionRequest request, PushedFrames? live = null, CancellationToken cancel = default)
        {
            switch (fault(Interlocked.Increment(ref _calls)))
            {
                case "throw":
                    throw new IOException("the detector's link went down");
                case "hang":
                    await Task.Delay(Timeout.Infinite, cancel);
                    break;
                case "budget":
                    throw new BudgetExceededException("budget.max_time_s", "the experiment's time budget of 1 s is spent");
                case "nan":
                    var r = await inner.AcquireAsync(request, live, cancel);
                    var d = r.Datasets[0];
                    var values = MemoryMarshal.Cast<byte, float>(d.ReadAll()).ToArray();
                    Array.Fill(values, float.NaN);
                    var poisoned = new EmDataset(d.Name, d.Shape, d.Axes, d.DType, new MemoryStorage(MemoryMarshal.AsBytes(values.AsSpan()).ToArray()), d.Metadata);
                    return r with { Datasets = [poisoned] };
                case "empty":
                    var e = await inner.AcquireAsync(request, live, cancel);
                    return e with { Datasets = [] };
            }

            return await inner.AcquireAsync(request, live, cancel);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Fact]
    public async Task A_failed_or_hung_acquisition_is_tried_again_and_the_run_ends_as_if_nothing_happened()
    {
        // Neither fault reaches the sample, so the retried acquisitions draw what the first tries would have.
        await using var faulty = new Faulty(Twin(), n => n switch { 2 => "throw", 3 => "hang", _ => null });
        var o = Options(PolicyKind.GpVariance);
        var run = Path.Combine(_dir, "retry");
        var r = await AutopilotRun.RunAsync(faulty, o, run);
        Assert.Null(r.Stopped);
        Assert.Equal(o.Probes, r.Visits.Select(v => v.Position).Distinct().Count());
        var retries = Log(run).Where(l => l["retry"] is not null).ToList();
        Assert.Equal(2, retries.Count);
        Assert.Contains("link went down", (string)retries[0]["why"]!);
        Assert.Contains("did not answer within 2 s", (string)retries[1]["why"]!);

        // The same map as a run that met no fault: the retries changed nothing but the time.
        await using var twin = Twin();
        var clean = await AutopilotRun.RunAsync(twin, o, Path.Combine(_dir, "clean"));
        Assert.Equal(clean.Map, r.Map);
    }

    [Fact]
    public async Task An_answer_without_data_counts_as_a_failed_try()
    {
        await using var faulty = new Faulty(Twin(), n => n == 2 ? "empty" : null);
        var run = Path.Combine(_dir, "empty");
        var r = await AutopilotRun.RunAsync(faulty, Options(PolicyKind.GpVariance), run);
        Assert.Null(r.Stopped);
        Assert.Contains("no data", (string)Log(run).Single(l => l["retry"] is not null)["why"]!);
    }

    [Fact]
    public async Task A_microscope_that_keeps_failing_stops_the_run_with_its_reason_and_a_map_of_what_was_acquired()
    {
        await using var faulty = new Faulty(Twin(), n => n > 3 ? "throw" : null);
        var o = Options(PolicyKind.Random) with { Fraction = 0.5, Grid = 48, FovNm = 180 };
        var run = Path.Combine(_dir, "failing");
        var r = await AutopilotRun.RunAsync(faulty, o, run);
        Assert.Contains("link went down (3 tries)", r.Stopped);
        Assert.Equal(3 * 256, r.Visits.Count);
        Assert.Equal(6, faulty.Calls);
        Assert.All(r.Map, v => Assert.True(double.IsFinite(v)));
        Assert.Contains(Log(run), l => ((string?)l["stopped"])?.Contains("3 tries") == true);

        // Resumed on a microscope that works again, it carries on and acquires only what is missing.
        await using var twin = Twin();
        var resumed = await AutopilotRun.ResumeAsync(twin, run);
        Assert.Null(resumed.Stopped);
        Assert.Equal(o.Probes, resumed.Visits.Count);
        Assert.Equal(2, (await twin.GetStateAsync()).Acquisitions); // 384 probes: batches of 256 and 128
    }

    [Fact]
    public async Task A_budget_spent_mid_run_stops_it_with_the_limit_named()
    {
        await using var faulty = new Faulty(Twin(), n => n >= 4 ? "budget" : null);
        var o = Options(PolicyKind.GpEi);
        var run = Path.Combine(_dir, "budget");
        var r = await AutopilotRun.RunAsync(faulty, o, run);
        Assert.Contains("time budget", r.Stopped);
        Assert.Equal(4, faulty.Calls);
        Assert.Equal("budget.max_time_s", (string)Log(run)[^1]["limit"]!);
        Assert.All(r.Map, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public async Task Values_that_are_not_numbers_teach_the_model_nothing_and_the_safe_policy_decides()
    {
        // Every acquisition answers NaN: the seed's values are rejected, no model can be fitted, Halton decides.
        await using var faulty = new Faulty(Twin(), _ => "nan");
        var o = Options(PolicyKind.GpUcb);
        var run = Path.Combine(_dir, "nan");
        var r = await AutopilotRun.RunAsync(faulty, o, run);
        Assert.Null(r.Stopped);
        Assert.Equal(o.Probes, r.Visits.Select(v => v.Position).Distinct().Count());
        Assert.True(r.Fallbacks > 0);
        var log = Log(run);
        Assert.All(log.Skip(1), l => Assert.StartsWith("fallback", (string)l["reason"]!["rule"]!));
        Assert.All(log, l => Assert.All(l["values"]!.AsArray(), v => Assert.Null(v)));

        // The log of such a run resumes like any other.
        var killed = Path.Combine(_dir, "nan-killed");
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(run, "run.json"), Path.Combine(killed, "run.json"));
        File.WriteAllLines(Path.Combine(killed, "log.jsonl"), File.ReadAllLines(Path.Combine(run, "log.jsonl")).Take(10));
        await using var again = new Faulty(Twin(), _ => "nan");
        var resumed = await AutopilotRun.ResumeAsync(again, killed);
        Assert.Equal(r.Visits.Select(v => v.Position), resumed.Visits.Select(v => v.Position));
    }

    [Fact]
    public void A_model_whose_predictions_are_not_numbers_hands_the_decision_to_the_safe_policy()
    {
        var ctx = new PolicyContext(8, 1);
        var candidates = Enumerable.Range(0, 64).Select(i => new double[] { i % 8, i / 8 }).ToList();
        ctx.Model = new Condenser.Learning.GaussianProcesses.CandidateGaussianProcess(
            new Condenser.Learning.GaussianProcesses.Kernel(Condenser.Learning.GaussianProcesses.KernelKind.Rbf, [2, 2], 1), 0.1, double.NaN, candidates.Take(16).ToList(), candidates);
        var (positions, reason) = Policies.Create(PolicyKind.GpEi).Next(ctx, 1);
        Assert.Single(positions);
        Assert.Equal("fallback: Halton", (string)reason["rule"]!);
        Assert.Contains("not finite", (string)reason["why"]!);
    }
}
