using System.Text.Json.Serialization;

namespace Condenser.Server.Features.Autopilot;

/// <summary>What <c>POST /api/autopilot/runs</c> asks for: an autonomous acquisition on the server's digital twin (absent fields take the CLI's defaults).</summary>
/// <param name="Scene">Scene of the twin (<c>condenser twin scenes</c>).</param>
/// <param name="Seed">Seed of the twin and the policy.</param>
/// <param name="Policy">raster, random, sobol, gp-variance, gp-ucb, gp-ei or campaign.</param>
/// <param name="Target">haadf, features or strain.</param>
/// <param name="Fraction">Probes as a fraction of the full raster's.</param>
/// <param name="Grid">Positions per side (4–256 on the server).</param>
/// <param name="FovNm">Field of view (nm).</param>
/// <param name="CenterXNm">Centre of the field from the scene's centre (nm).</param>
/// <param name="CenterYNm">Centre of the field from the scene's centre (nm).</param>
/// <param name="DwellUs">Dwell per probe (µs).</param>
/// <param name="ConvergenceMrad">Convergence semi-angle (mrad).</param>
/// <param name="Project">The library project the finished map is recorded in (default <c>autopilot</c>).</param>
/// <param name="StrainComponent">What a strain run maps: magnitude (default), exx, eyy, exy or rotation.</param>
public sealed record AutopilotRunRequest(
    [property: JsonPropertyName("scene")] string? Scene = null,
    [property: JsonPropertyName("seed")] ulong? Seed = null,
    [property: JsonPropertyName("policy")] string? Policy = null,
    [property: JsonPropertyName("target")] string? Target = null,
    [property: JsonPropertyName("fraction")] double? Fraction = null,
    [property: JsonPropertyName("grid")] int? Grid = null,
    [property: JsonPropertyName("fov_nm")] double? FovNm = null,
    [property: JsonPropertyName("center_x_nm")] double? CenterXNm = null,
    [property: JsonPropertyName("center_y_nm")] double? CenterYNm = null,
    [property: JsonPropertyName("dwell_us")] double? DwellUs = null,
    [property: JsonPropertyName("convergence_mrad")] double? ConvergenceMrad = null,
    [property: JsonPropertyName("project")] string? Project = null,
    [property: JsonPropertyName("strain_component")] string? StrainComponent = null);

/// <summary>A run as the API shows it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="State">running, finished, stopped (resumable) or failed.</param>
/// <param name="Owner">Who started it.</param>
/// <param name="Scene">The twin's scene.</param>
/// <param name="Seed">The twin's seed.</param>
/// <param name="Policy">The policy.</param>
/// <param name="Target">What is mapped.</param>
/// <param name="Grid">Positions per side.</param>
/// <param name="FovNm">Field of view (nm).</param>
/// <param name="Probes">Probes made so far.</param>
/// <param name="Planned">Probes the run may make.</param>
/// <param name="Stopped">Why it ended early (a budget, a failing microscope), if it did.</param>
/// <param name="Error">Why it failed, if it did.</param>
/// <param name="Nrmse">Its error against the twin's truth, once finished.</param>
/// <param name="Record">The library record of its map, once finished and recorded.</param>
/// <param name="LibraryError">Why the map could not be recorded, if it could not.</param>
public sealed record AutopilotRunView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("scene")] string Scene,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("policy")] string Policy,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("grid")] int Grid,
    [property: JsonPropertyName("fov_nm")] double FovNm,
    [property: JsonPropertyName("probes")] int Probes,
    [property: JsonPropertyName("planned")] int Planned,
    [property: JsonPropertyName("stopped")] string? Stopped,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("nrmse")] double? Nrmse,
    [property: JsonPropertyName("record")] string? Record,
    [property: JsonPropertyName("library_error")] string? LibraryError);

/// <summary>A run's map so far (row-major, <c>grid</c> a side; null where nothing is known yet).</summary>
/// <param name="Grid">Positions per side.</param>
/// <param name="FovNm">Field of view (nm).</param>
/// <param name="Positions">Grid positions visited, in order.</param>
/// <param name="Values">Their values.</param>
/// <param name="Mean">The reconstruction (the posterior mean, or the raster itself).</param>
/// <param name="Std">Its standard error.</param>
public sealed record AutopilotMapView(
    [property: JsonPropertyName("grid")] int Grid,
    [property: JsonPropertyName("fov_nm")] double FovNm,
    [property: JsonPropertyName("positions")] int[] Positions,
    [property: JsonPropertyName("values")] double?[] Values,
    [property: JsonPropertyName("mean")] double?[]? Mean,
    [property: JsonPropertyName("std")] double?[]? Std);

/// <summary>What <c>PUT /api/autopilot/runs/{id}/state</c> asks for.</summary>
/// <param name="State">stopped or running.</param>
public sealed record AutopilotStateRequest([property: JsonPropertyName("state")] string? State = null);
