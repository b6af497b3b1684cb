using System.Numerics.Tensors;
using Condenser.Data;
using Condenser.Processing.MapReduce;
using Condenser.Processing.SpectrumImaging;
using MathNet.Numerics.LinearAlgebra;

namespace Condenser.Learning.Decomposition;

/// <summary>
/// Principal component analysis of a spectrum image by the singular value decomposition of the mean-centred data
/// (positions × channels), computed from the channel covariance accumulated in one streamed pass: the eigenvalues
/// of XᵀX are the squared singular values, its eigenvectors the loadings (HyperSpy's "SVD" decomposition without
/// noise normalisation).
/// </summary>
public sealed class Pca : IFrameReducer
{
    private readonly int _channels;
    private double[] _sum;
    private double[] _gram;
    private long _count;

    /// <summary>Accumulates the statistics of spectra of <paramref name="channels"/> channels (at most 8192).</summary>
    public Pca(int channels)
    {
        if (channels is < 1 or > 8192)
        {
            throw new ArgumentException($"PCA over {channels} channels: between 1 and 8192 are supported (bin the energy axis first)");
        }

        _channels = channels;
        _sum = new double[channels];
        _gram = new double[(long)channels * channels];
    }

    /// <summary>Singular values of the centred data, largest first (the scree plot is their squares).</summary>
    public double[] SingularValues { get; private set; } = [];

    /// <summary>Fraction of the variance explained by each component.</summary>
    public double[] ExplainedVarianceRatio { get; private set; } = [];

    /// <summary>Loadings: component k's spectrum is Loadings[k] (unit length, sign chosen so its largest entry is positive).</summary>
    public double[][] Loadings { get; private set; } = [];

    /// <summary>The mean spectrum.</summary>
    public double[] Mean { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout)
    {
        if (layout.SignalLength != _channels)
        {
            throw new ArgumentException($"PCA set up for {_channels} channels, the spectra have {layout.SignalLength}");
        }

        return [BufferDeclaration.Single("sum", _channels), BufferDeclaration.Single("gram", checked(_channels * _channels)), BufferDeclaration.Single("count")];
    }

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        var x = results.WorkerState as double[] ?? (double[])(results.WorkerState = new double[_channels]);
        for (int f = 0; f < tile.Count; f++)
        {
            tile.Layout.DType.ReadInto(tile.FrameBytes(f), x);
            Accumulate(x, results[0], results[1], _channels);
        }

        results[2][0] += tile.Count;
    }

    /// <summary>Adds one spectrum: the sum and the upper triangle of the Gram matrix (rank-one update).</summary>
    public void Accumulate(ReadOnlySpan<double> x)
    {
        _count++;
        Accumulate(x, _sum, _gram, _channels);
    }

    private static void Accumulate(ReadOnlySpan<double> x, Span<double> sum, Span<double> gram, int channels)
    {
        TensorPrimitives.Add(sum, x, sum);
        for (int i = 0; i < channels; i++)
        {
            if (x[i] != 0)
            {
                var row = gram.Slice((i * channels) + i, channels - i);
                TensorPrimitives.MultiplyAdd(x[i..], x[i], row, row);
            }
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results)
    {
        _sum = results[0];
        _gram = results[1];
        _count = (long)results[2][0];
        Solve();
    }

    /// <summary>
    /// PCA of spectra held in memory: with fewer spectra than channels the thin SVD of the centred matrix (cost
    /// n²·c instead of c³); otherwise the covariance route.
    /// </summary>
    public static Pca FromSpectra(IReadOnlyList<double[]> spectra)
    {
        if (spectra.Count == 0)
        {
            throw new ArgumentException("PCA of no spectra");
        }

        int c = spectra[0].Length;
        var pca = new Pca(c);
        if (spectra.Count >= c)
        {
            foreach (var s in spectra)
            {
                pca.Accumulate(s);
            }

            pca.Solve();
            return pca;
        }

        int n = spectra.Count;
        pca._count = n;
        pca.Mean = new double[c];
        foreach (var s in spectra)
        {
            TensorPrimitives.Add(pca.Mean, s, pca.Mean);
        }

        TensorPrimitives.Divide(pca.Mean, n, pca.Mean);
        var x = Matrix<double>.Build.Dense(n, c, (i, j) => spectra[i][j] - pca.Mean[j]);
        var svd = x.Svd(true);
        pca.SingularValues = svd.S.ToArray();
        double total = pca.SingularValues.Sum(v => v * v);
        pca.ExplainedVarianceRatio = pca.SingularValues.Select(v => total > 0 ? v * v / total : 0).ToArray();
        pca.Loadings = Enumerable.Range(0, pca.SingularValues.Length).Select(k => Oriented(svd.VT.Row(k).ToArray())).ToArray();
        return pca;
    }

    /// <summary>Signs a loading so that its largest entry is positive (the SVD leaves the sign free).</summary>
    private static double[] Oriented(double[] v)
    {
        int big = 0;
        for (int i = 1; i < v.Length; i++)
        {
            big = Math.Abs(v[i]) > Math.Abs(v[big]) ? i : big;
        }

        return v[big] < 0 ? v.Select(a => -a).ToArray() : v;
    }

    /// <summary>Eigen-decomposes the centred covariance.</summary>
    public void Solve()
    {
        int c = _channels;
        double n = Math.Max(1, _count);
        Mean = _sum.Select(s => s / n).ToArray();
        var cov = Matrix<double>.Build.Dense(c, c);
        for (int i = 0; i < c; i++)
        {
            for (int j = i; j < c; j++)
            {
                // Σ (x_i − m_i)(x_j − m_j) = Σ x_i x_j − n m_i m_j
                double v = _gram[((long)i * c) + j] - (n * Mean[i] * Mean[j]);
                cov[i, j] = v;
                cov[j, i] = v;
            }
        }

        var evd = cov.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, c).OrderByDescending(k => evd.EigenValues[k].Real).ToArray();
        SingularValues = order.Select(k => Math.Sqrt(Math.Max(0, evd.EigenValues[k].Real))).ToArray();
        double total = SingularValues.Sum(s => s * s);
        ExplainedVarianceRatio = SingularValues.Select(s => total > 0 ? s * s / total : 0).ToArray();
        Loadings = order.Select(k => Oriented(evd.EigenVectors.Column(k).ToArray())).ToArray();
    }

    /// <summary>The scores (coordinates along the first <paramref name="components"/> loadings) of one spectrum.</summary>
    public double[] Scores(ReadOnlySpan<double> spectrum, int components)
    {
        var centred = new double[_channels];
        TensorPrimitives.Subtract(spectrum, Mean, centred);
        var s = new double[components];
        for (int k = 0; k < components; k++)
        {
            s[k] = TensorPrimitives.Dot(centred, Loadings[k]);
        }

        return s;
    }

    /// <summary>The spectrum rebuilt from its first <paramref name="components"/> components (the denoised spectrum).</summary>
    public double[] Reconstruct(ReadOnlySpan<double> spectrum, int components)
    {
        var scores = Scores(spectrum, components);
        var r = (double[])Mean.Clone();
        for (int k = 0; k < components; k++)
        {
            TensorPrimitives.MultiplyAdd(Loadings[k], scores[k], r, r);
        }

        return r;
    }

    /// <summary>
    /// The spectrum image rebuilt from its first <paramref name="components"/> components, computed frame by frame
    /// when read (float64; it streams like its source).
    /// </summary>
    public EmDataset Denoised(EmDataset ds, int components)
    {
        if (SpectrumInputs.Channels(ds) != _channels)
        {
            throw new ArgumentException($"{ds.Name}: {ds.Shape.Signal[0]} channels for a PCA of {_channels}");
        }

        return SpectrumInputs.Mapped(ds, $"denoised ({components} components)", (_, spectrum) => Reconstruct(spectrum, components));
    }
}

/// <summary>The scores of every spectrum on the first components of a solved <see cref="Pca"/> (score maps).</summary>
public sealed class PcaScores(Pca pca, int components) : IFrameReducer
{
    /// <summary>Scores[k][position]: the coordinate of each spectrum along loading k.</summary>
    public double[][] Scores { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout)
        => Enumerable.Range(0, components).Select(k => BufferDeclaration.PerPosition($"score {k}")).ToArray();

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        var x = results.WorkerState as double[] ?? (double[])(results.WorkerState = new double[tile.FrameLength]);
        for (int f = 0; f < tile.Count; f++)
        {
            tile.Layout.DType.ReadInto(tile.FrameBytes(f), x);
            var s = pca.Scores(x, components);
            for (int k = 0; k < components; k++)
            {
                results[k][tile.Positions[f]] = s[k];
            }
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results) => Scores = Enumerable.Range(0, components).Select(k => results[k]).ToArray();
}
