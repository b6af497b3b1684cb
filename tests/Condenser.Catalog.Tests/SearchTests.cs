using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Search;

namespace Condenser.Catalog.Tests;

public class SearchTests
{
    private static (TestLibrary Lib, Library Catalog) Library(string backend)
    {
        var lib = TestLibrary.Create(backend);
        var c = lib.Open();
        var si = lib.CopyFixtures("digitalmicrograph/3D/EELS_SI.dm4", "digitalmicrograph/1D/test-EELS_spectrum.dm3", "digitalmicrograph/1D/test-EDS_spectrum.dm3");
        var images = lib.CopyFixtures("digitalmicrograph/2D/test_STEM_image.dm3", "digitalmicrograph/2D/test_diffraction_pattern.dm3", "emd/fei_example_tem_stack.emd", "tia/new/128x128_TEM_acquire-sum1.emi", "tia/new/128x128_TEM_acquire-sum1_1.ser");
        c.Ingestor.IngestPaths([si], Principal.Local, new IngestOptions { Project = "spectra", Sample = "LaMnO3 film", Elements = ["La", "Mn", "O"], Description = "oxide interface" });
        c.Ingestor.IngestPaths([images], Principal.Local, new IngestOptions { Project = "images", Sample = "gold nanoparticles", Elements = ["Au"] });
        return (lib, c);
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void AnUnknownAcquisitionDateStaysUnknown(string backend)
    {
        // Before, a record without an acquisition date was counted under its ingest year and put into a session by
        // its ingest time.
        var (lib, c) = Library(backend);
        using (lib)
        using (c)
        {
            var dir = Path.Combine(lib.Folder, "undated");
            Directory.CreateDirectory(dir);
            foreach (var i in new[] { 1, 2 })
            {
                c.Ingestor.IngestFile(Synthetic.WriteTiff(dir, $"undated{i}", Synthetic.Noise(16, i)), Principal.Local, new IngestOptions { Project = "images" });
            }

            var all = c.Search(new SearchQuery { PageSize = 200 }, Principal.Local);
            var undated = all.Items.Where(i => i.AcquiredMs is null).ToList();
            var dated = all.Items.Where(i => i.AcquiredMs is not null).ToList();
            Assert.True(undated.Count >= 2 && dated.Count >= 1, $"{undated.Count} undated, {dated.Count} dated");

            var years = all.Facets["year"].ToDictionary(v => v.Value, v => v.Count);
            Assert.Equal(undated.Count, years[SearchQuery.UnknownYear]);
            foreach (var group in dated.GroupBy(i => DateTimeOffset.FromUnixTimeMilliseconds(i.AcquiredMs!.Value).UtcDateTime.Year.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                Assert.Equal(group.Count(), years[group.Key]);
            }

            Assert.Equal(all.Total, years.Values.Sum());
            var unknown = c.Search(new SearchQuery { Year = SearchQuery.UnknownYear, PageSize = 200 }, Principal.Local);
            Assert.Equal(undated.Select(i => i.Id).Order(), unknown.Items.Select(i => i.Id).Order());
            var first = years.Keys.First(k => k != SearchQuery.UnknownYear);
            Assert.All(c.Search(new SearchQuery { Year = first, PageSize = 200 }, Principal.Local).Items, i => Assert.NotNull(i.AcquiredMs));

            // Sessions follow acquisition time: records without one belong to none.
            Assert.All(undated, i => Assert.Null(i.SessionId));
            Assert.All(dated, i => Assert.NotNull(i.SessionId));
        }
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void WordsFacetsFiltersSortingAndPaging(string backend)
    {
        var (lib, c) = Library(backend);
        using (lib)
        using (c)
        {
            var all = c.Search(new SearchQuery { PageSize = 200 }, Principal.Local);
            Assert.True(all.Total >= 7, $"{all.Total} records");

            // Facet counts add up to the matches and agree with the records themselves.
            foreach (var (facet, values) in all.Facets.Where(f => f.Key is "signal_type" or "format" or "project"))
            {
                Assert.Equal(all.Total, values.Sum(v => v.Count));
            }

            foreach (var v in all.Facets["signal_type"])
            {
                Assert.Equal(all.Items.Count(i => i.SignalType == v.Value), v.Count);
                var filtered = c.Search(new SearchQuery { SignalType = v.Value, PageSize = 200 }, Principal.Local);
                Assert.Equal(v.Count, filtered.Total);
                Assert.All(filtered.Items, i => Assert.Equal(v.Value, i.SignalType));
            }

            Assert.Equal(all.Items.Count(i => i.Elements.Contains("Mn")), all.Facets["elements"].Single(e => e.Value == "Mn").Count);

            // Words match prefixes of file names, samples, descriptions; all words must match.
            var oxide = c.Search(new SearchQuery { Text = "oxide LaMn" }, Principal.Local);
            Assert.Equal(all.Items.Count(i => i.Sample == "LaMnO3 film"), oxide.Total);
            Assert.Equal(0, c.Search(new SearchQuery { Text = "oxide gold" }, Principal.Local).Total);
            Assert.Equal(all.Items.Count(i => i.FileName.Contains("STEM", StringComparison.OrdinalIgnoreCase)), c.Search(new SearchQuery { Text = "stem" }, Principal.Local).Total);
            Assert.Equal(all.Items.Count(i => i.Elements.Contains("Au")), c.Search(new SearchQuery { Elements = ["au"] }, Principal.Local).Total);
            Assert.Equal(all.Items.Count(i => i.ProjectName == "spectra"), c.Search(new SearchQuery { Project = "spectra" }, Principal.Local).Total);
            var withEnergy = all.Items.Where(i => i.BeamEnergyKeV is >= 100 and <= 250).Count();
            Assert.Equal(withEnergy, c.Search(new SearchQuery { BeamEnergyMin = 100, BeamEnergyMax = 250 }, Principal.Local).Total);

            // Pages of three cover every record once, in the requested order.
            var seen = new List<string>();
            for (int page = 1; ; page++)
            {
                var p = c.Search(new SearchQuery { Sort = "name", Descending = false, Page = page, PageSize = 3 }, Principal.Local, facets: false);
                Assert.Equal(all.Total, p.Total);
                if (p.Items.Count == 0)
                {
                    break;
                }

                seen.AddRange(p.Items.Select(i => i.FileName + "#" + i.Id));
            }

            Assert.Equal(all.Items.Select(i => i.FileName + "#" + i.Id).Order(StringComparer.Ordinal), seen);
            Assert.Equal(seen.Count, seen.Distinct().Count());

            // A record that arrives after a sort by name takes its place in the next one.
            var dir = Path.Combine(lib.Folder, "late");
            Directory.CreateDirectory(dir);
            c.Ingestor.IngestFile(Synthetic.WriteTiff(dir, "0000_first", Synthetic.Noise(16, 1)), Principal.Local, new IngestOptions());
            Assert.Equal("0000_first.tif", c.Search(new SearchQuery { Sort = "name", Descending = false, PageSize = 1 }, Principal.Local).Items.Single().FileName);

            var ex = Assert.Throws<CatalogException>(() => c.Search(new SearchQuery { Sort = "colour" }, Principal.Local));
            Assert.Equal(CatalogError.Invalid, ex.Error);
            Assert.Throws<CatalogException>(() => c.Search(new SearchQuery { PageSize = 1000 }, Principal.Local));
            Assert.Throws<CatalogException>(() => c.Search(new SearchQuery { Elements = ["Xx"] }, Principal.Local));
        }
    }

    [Fact]
    public void TermsSplitOnPunctuationAndFoldCase()
    {
        Assert.Equal(["001", "4x2", "6bit", "mib"], Terms.Split("001_4x2_6bit.MIB"));
        Assert.Equal(["srtio3", "on", "si"], Terms.Split("SrTiO3 on Si!"));
        Assert.Equal(Terms.MaxLength, Terms.Split(new string('a', 100)).Single().Length);
        Assert.Empty(Terms.Split(null));
    }
}
