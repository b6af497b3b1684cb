using Condenser.Catalog.Database;

namespace Condenser.Catalog.Tests;

public class SchemaTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void OpensTwiceAndRefusesANewerSchema(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using (var c = lib.Open())
        {
            c.Users.Add("first", Access.Role.Admin);
        }

        // Opening again keeps what is there.
        using (var c = lib.Open())
        {
            Assert.Single(c.Users.List());
            c.Db.Write((conn, tx) => conn.Execute(tx, "UPDATE schema_info SET version = 99"));
        }

        var e = Assert.Throws<CatalogException>(() => lib.Open());
        Assert.Equal(CatalogError.Conflict, e.Error);
        Assert.Contains("newer Condenser", e.Message);
    }

    [Fact]
    public void ABadConnectionStringIsNamed()
    {
        using var lib = TestLibrary.Create("sqlite");
        var e = Assert.Throws<CatalogException>(() => Library.Open(lib.Folder, "Host=x;Bogus Key=1"));
        Assert.Equal(CatalogError.Invalid, e.Error);
        Assert.Contains("--db", e.Message);
    }
}
