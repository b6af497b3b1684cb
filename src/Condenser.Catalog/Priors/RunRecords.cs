using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;

namespace Condenser.Catalog.Priors;

/// <summary>An autopilot run's map into the library, so that later runs can start from it.</summary>
public static class RunRecords
{
    /// <summary>Ingests <paramref name="mapPath"/> (written by <c>RunMap.Write</c>) into project <c>autopilot</c>; the record ids, or the reason it was refused.</summary>
    public static IngestOutcome Record(Library library, Principal who, string mapPath, string? sample, IReadOnlyList<string> elements, string description) =>
        new Ingestor(library).IngestFile(mapPath, who, new IngestOptions { Project = "autopilot", Sample = sample, Elements = elements, Description = description });
}
