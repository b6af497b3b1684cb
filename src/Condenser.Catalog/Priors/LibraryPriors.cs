using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Catalog.Access;
using Condenser.Catalog.Search;

namespace Condenser.Catalog.Priors;

/// <summary>
/// Past autopilot runs in the library as the source of a warm start: every map record the caller may read whose
/// technique is <paramref name="technique"/> (a HAADF map's by default, <see cref="AutopilotRun.TechniqueOf"/>) and
/// whose original metadata holds the model it ended with (<see cref="RunModel.Group"/>), newest first, at most
/// <paramref name="max"/> of them.
/// </summary>
public sealed class LibraryPriors(Library library, Principal who, int max = 1000, string technique = AutopilotRun.Technique) : IPriorSource
{
    /// <inheritdoc/>
    public IEnumerable<(string RecordId, string? Sample, string Instrument, IReadOnlyList<string> Elements, RunModel Model)> PastRuns()
    {
        int seen = 0;
        for (int page = 1; seen < max; page++)
        {
            var result = library.Search(new SearchQuery { Technique = technique, Page = page, PageSize = SearchQuery.MaxPageSize }, who, facets: false);
            foreach (var item in result.Items)
            {
                if (seen++ >= max)
                {
                    yield break;
                }

                var record = library.Get(item.Id, who);
                var model = RunModel.FromJson(JsonNode.Parse(record.Info)?["original_metadata"]);
                if (model is not null)
                {
                    yield return (record.Id, record.Sample, record.Instrument, record.Elements, model);
                }
            }

            if (result.Items.Count < SearchQuery.MaxPageSize)
            {
                yield break;
            }
        }
    }
}
