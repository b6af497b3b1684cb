using Condenser.Learning.GaussianProcesses;

namespace Condenser.Acquisition.Autopilot;

/// <summary>The run's Gaussian process: fitted to its observations, built over the grid, and the map it reconstructs.</summary>
public static partial class AutopilotRun
{
    /// <summary>The grid in nm from the field's centre, one point per candidate.</summary>
    private static List<double[]> Candidates(AutopilotOptions o)
    {
        double pixel = o.FovNm / o.Grid, c = (o.Grid - 1) / 2.0;
        return Enumerable.Range(0, o.Grid * o.Grid).Select(i => new[] { ((i % o.Grid) - c) * pixel, ((i / o.Grid) - c) * pixel }).ToList();
    }

    /// <summary>Fits a Matérn 5/2 process to the observations so far (a spread subset of at most 150 of them) and builds the grid's model holding them all.</summary>
    private static CandidateGaussianProcess FitModel(AutopilotOptions o, PolicyContext ctx)
    {
        var candidates = Candidates(o);
        var seen = Enumerable.Range(0, ctx.Values.Length).Where(i => ctx.Visited[i] && double.IsFinite(ctx.Values[i])).ToList();
        if (seen.Count == 0)
        {
            throw new InvalidOperationException("no observation so far is a finite number");
        }

        // Hyperparameters from a spread subset (every k-th observation, at most 150: the fit is O(n³) per evaluation).
        int stride = Math.Max(1, seen.Count / FitSubset);
        var sample = seen.Where((_, k) => k % stride == 0).Take(FitSubset).ToList();
        GaussianProcess fit;
        try
        {
            // Length scales of at least a grid pixel and of what the inducing points can carry (1.5 of their closest
            // spacing), noise of at least a thousandth of the values' variance: a fit free to go shorter explains the
            // noise as signal, and the sparse model then swings between its inducing points.
            var bounds = new LikelihoodBounds(MinLengthFraction: Math.Max(1.0 / o.Grid, 1.5 / Math.Min(MaxInducingSide, o.Grid)), MaxLengthFraction: 2, MinNoiseFraction: 1e-3);
            fit = LikelihoodFit.Fit(sample.Select(i => candidates[i]).ToList(), sample.Select(i => ctx.Values[i]).ToList(), KernelKind.Matern52, bounds, starts: 2, seed: (int)(o.Seed % int.MaxValue), maxEvaluations: 300);
        }
        catch (ArgumentException)
        {
            // Too few or degenerate observations: a kernel of a tenth of the field and the values' variance.
            double mean = sample.Count > 0 ? sample.Average(i => ctx.Values[i]) : 0;
            double variance = sample.Count > 1 ? Math.Max(sample.Sum(i => Math.Pow(ctx.Values[i] - mean, 2)) / sample.Count, 1e-12) : 1;
            fit = new GaussianProcess(new Kernel(KernelKind.Matern52, [o.FovNm / 10, o.FovNm / 10], variance), variance * 0.01, mean);
        }

        return BuildModel(o, ctx, fit.Kernel, fit.NoiseVariance, fit.Mean);
    }

    /// <summary>The grid's sparse process with <paramref name="kernel"/>, holding every finite observation so far; inducing points a length scale apart or closer, between 8 and 24 a side.</summary>
    private static CandidateGaussianProcess BuildModel(AutopilotOptions o, PolicyContext ctx, Kernel kernel, double noiseVariance, double mean)
    {
        var candidates = Candidates(o);
        double length = kernel.LengthScales.Min();
        int side = Math.Clamp((int)Math.Ceiling(o.FovNm / (length / 1.5)), 8, Math.Min(MaxInducingSide, o.Grid));
        double step = o.FovNm / side, c0 = (side - 1) / 2.0;
        if (length < 1.5 * step)
        {
            // Inducing points far apart for the length scale (a prior from a past run, or a fit at the bound): between
            // them the process has no features and its mean swings (from −78 to 317 counts on a 128² grid whose truth
            // lies in 8–370). The model keeps to what its inducing points can carry: length scales of at least 1.5 of
            // their spacing — and so smooths away particles smaller than that.
            kernel = kernel with { LengthScales = [.. kernel.LengthScales.Select(l => Math.Max(l, 1.5 * step))] };
        }

        var inducing = Enumerable.Range(0, side * side).Select(i => new[] { ((i % side) - c0) * step, ((i / side) - c0) * step }).ToList();
        var model = new CandidateGaussianProcess(kernel, Math.Max(noiseVariance, 1e-9 * kernel.SignalVariance), mean, inducing, candidates);
        for (int i = 0; i < ctx.Values.Length; i++)
        {
            if (ctx.Visited[i] && double.IsFinite(ctx.Values[i]))
            {
                model.AddAtCandidate(i, ctx.Values[i]);
            }
        }

        return model;
    }

    /// <summary>The Gaussian-process posterior mean from a run's observations, whatever its policy (a raster's map with its shot noise averaged away).</summary>
    public static double[] Smooth(AutopilotOptions o, AutopilotResult r)
    {
        var ctx = new PolicyContext(o.Grid, o.Seed);
        foreach (var (p, v) in r.Visits)
        {
            ctx.Visited[p] = true;
            ctx.Values[p] = v;
        }

        ctx.VisitedCount = ctx.Visited.Count(v => v);

        return FitModel(o, ctx).Means.ToArray();
    }

    /// <summary>The posterior mean of the run's model over the grid; where no model can be built, each position takes its nearest observation's value.</summary>
    private static (double[] Map, double[] Error, CandidateGaussianProcess? Model) Reconstruct(AutopilotOptions o, PolicyContext ctx, double sigma)
    {
        try
        {
            var model = ctx.Model ?? FitModel(o, ctx);
            var map = model.Means.ToArray();
            var error = model.Variances.ToArray().Select(v => Math.Sqrt(Math.Max(v, 0))).ToArray();
            if (map.All(double.IsFinite) && error.All(double.IsFinite))
            {
                return (map, error, model);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException)
        {
        }

        var seen = Enumerable.Range(0, ctx.Values.Length).Where(i => ctx.Visited[i] && double.IsFinite(ctx.Values[i])).ToArray();
        var nearest = new double[ctx.Values.Length];
        for (int p = 0; p < nearest.Length; p++)
        {
            int best = -1;
            long bestD = long.MaxValue;
            foreach (int q in seen)
            {
                long dr = (p / o.Grid) - (q / o.Grid), dc = (p % o.Grid) - (q % o.Grid), d = (dr * dr) + (dc * dc);
                if (d < bestD)
                {
                    (bestD, best) = (d, q);
                }
            }

            nearest[p] = best < 0 ? double.NaN : ctx.Values[best];
        }

        return (nearest, Enumerable.Repeat(sigma, nearest.Length).ToArray(), null);
    }

    /// <summary>
    /// Normalised root-mean-square error of <paramref name="map"/> against <paramref name="truth"/>: the RMSE over the
    /// truth's mean magnitude (a relative error). Not over the truth's range, which a nearly uniform field (a matrix with
    /// a thin plate in it) makes small enough to turn any noise into an error of several hundred per cent.
    /// </summary>
    public static double Nrmse(ReadOnlySpan<double> map, ReadOnlySpan<double> truth)
    {
        double scale = 0, se = 0;
        int n = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            // Where the truth is not a number (a strain truth on another crystal) nothing is scored.
            if (double.IsFinite(truth[i]))
            {
                scale += Math.Abs(truth[i]);
                se += (map[i] - truth[i]) * (map[i] - truth[i]);
                n++;
            }
        }

        // A truth that is zero wherever it is scored (a uniform crystal's strain against itself) has no scale: no error is defined.
        return n == 0 || !(scale / n > 1e-12) ? double.NaN : Math.Sqrt(se / n) / (scale / n);
    }
}
