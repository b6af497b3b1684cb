using Condenser.Data;

namespace Condenser.Processing.FourDStem;

/// <summary>Scattering-angle calibration of a diffraction detector from its signal axes and the beam energy.</summary>
public static class DetectorCalibration
{
    /// <summary>
    /// Relativistic electron wavelength λ = h / √(2 m₀ e V (1 + e V / (2 m₀ c²))).
    /// </summary>
    /// <remarks>Units: <paramref name="beamEnergyKeV"/> in keV; result in nm (200 keV → 0.002508 nm).</remarks>
    public static double ElectronWavelengthNm(double beamEnergyKeV)
    {
        const double h = 6.62607015e-34, m0 = 9.1093837015e-31, e = 1.602176634e-19, c = 299792458.0;
        double v = beamEnergyKeV * 1e3;
        return h / Math.Sqrt(2 * m0 * e * v * (1 + (e * v / (2 * m0 * c * c)))) * 1e9;
    }

    /// <summary>
    /// Milliradians per detector pixel along the last signal axis, or null when the axis is not calibrated in an
    /// angle or (with a known beam energy) in reciprocal length. Small-angle: θ = λ·k.
    /// </summary>
    public static double? MradPerPixel(EmDataset ds)
    {
        var axis = ds.Axes[^1];
        string units = axis.Units.Trim().Replace(" ", "", StringComparison.Ordinal);
        double scale = axis.Scale;
        if (!(scale > 0) || !double.IsFinite(scale))
        {
            return null;
        }

        switch (units)
        {
            case "mrad":
                return scale;
            case "rad":
                return scale * 1e3;
            case "µrad" or "urad":
                return scale * 1e-3;
        }

        double? perNm = units switch
        {
            "1/nm" or "nm^-1" or "nm-1" => scale,
            "1/Å" or "1/A" or "Å^-1" or "A^-1" => scale * 10,
            "1/m" or "m^-1" => scale * 1e-9,
            "1/pm" or "pm^-1" => scale * 1e3,
            _ => null,
        };
        if (perNm is null || ds.Metadata.BeamEnergyKeV is not > 0)
        {
            return null;
        }

        return perNm.Value * ElectronWavelengthNm(ds.Metadata.BeamEnergyKeV.Value) * 1e3;
    }
}
