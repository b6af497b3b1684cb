using System.CommandLine;
using System.Diagnostics;
using Condenser.Processing.Analyses;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser virtual-image FILE --annulus INNER:OUTER [--center CY:CX] -o OUT.emd --json</c>: an annular virtual
/// detector over a 4D-STEM scan (radii in detector pixels, INNER ≤ r &lt; OUTER, or in mrad), centred on the detected
/// bright-field disk unless a centre is given, optionally following the descan (<see cref="VirtualImage"/>).
/// </summary>
internal static class VirtualImageCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var annulus = new Option<string>("--annulus") { Description = "INNER:OUTER radii in detector pixels (a pixel counts when INNER ≤ r < OUTER)", Required = true };
        var center = new Option<string?>("--center") { Description = "CY:CX detector pixel of the centre (default: the detected bright-field disk)" };
        var mrad = new Option<bool>("--mrad") { Description = "--annulus radii are scattering angles in mrad (needs a detector calibrated in angle, or in 1/length with the beam energy)" };
        var descan = new Option<bool>("--descan") { Description = "correct the descan shift: fit a plane to the centre of mass over the scan (one extra pass) and move the detector with it" };
        var c = a.Create("virtual-image", "annular virtual detector image of a 4D-STEM scan (radii in detector pixels or mrad, centre detected or given, descan corrected on request), with provenance", annulus, center, mrad, descan);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            var radii = AnalysisOptions.Pair(r.GetValue(annulus)!, "--annulus");
            var centerText = r.GetValue(center);
            var parameters = new VirtualImageParameters(radii.A, radii.B, r.GetValue(mrad), centerText is null ? null : AnalysisOptions.Pair(centerText, "--center"), r.GetValue(descan));
            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            var result = VirtualImage.Run(a.RunFor(r, ds), parameters);

            a.Finish(r, clock, outPath, result, () => new() { ["figure"] = Results.WriteFigure(outPath, ds, result.Values(VirtualImage.Title), "virtual image") });
            return 0;
        }));
        return c;
    }
}
