using Condenser.Catalog.Access;
using Condenser.Catalog.Records;
using Condenser.Catalog.Search;

namespace Condenser.Catalog.Tests;

/// <summary>Bulk import of records described elsewhere.</summary>
public class ImportTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void AdminsImportRecordsAsGivenAndABadBatchLeavesNothing(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var project = c.ProjectFor(Principal.Local, "imported");
        DatasetRecord Record(int i, string projectId) => new()
        {
            Id = DatasetRecord.MakeId(new string((char)('a' + i), 64), 0),
            FileSha256 = new string((char)('a' + i), 64),
            FileName = $"scan_{i}.dm4",
            Format = "digitalmicrograph",
            Name = $"scan {i}",
            Shape = [64, 64],
            DType = "uint16",
            SignalType = "image",
            ProjectId = projectId,
            Visibility = Visibility.Public,
            Info = "{}",
        };

        Assert.Equal(2, c.ImportRecords([Record(0, project), Record(1, project)], Principal.Local));
        Assert.Equal(0, c.ImportRecords([Record(0, project)], Principal.Local)); // already there: left as it is
        Assert.Equal(2, c.Search(new SearchQuery { Project = "imported" }, Principal.Anonymous).Total);

        // A record naming a project the library lacks refuses the whole batch.
        var e = Assert.Throws<CatalogException>(() => c.ImportRecords([Record(2, project), Record(3, "p_missing")], Principal.Local));
        Assert.Equal(CatalogError.Invalid, e.Error);
        Assert.Contains("p_missing", e.Message);
        Assert.Equal(2, c.Search(new SearchQuery(), Principal.Local).Total);

        var (viewer, _) = c.Users.Add("vic", Role.Contributor, "Lab", ["imported"]);
        Assert.Equal(CatalogError.Forbidden, Assert.Throws<CatalogException>(() => c.ImportRecords([Record(4, project)], c.Users.PrincipalOf(viewer.Id)!)).Error);
        Assert.Contains(c.Audit.Latest(100), a => a.Action == "import");
    }
}
