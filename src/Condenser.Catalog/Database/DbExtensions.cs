using System.Data.Common;

namespace Condenser.Catalog.Database;

/// <summary>Small helpers over ADO.NET commands with named parameters (<c>@name</c> in both dialects).</summary>
public static class DbExtensions
{
    /// <summary>A command with its parameters; values null become SQL NULL.</summary>
    public static DbCommand Command(this DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    /// <summary>Executes a statement; returns the rows affected.</summary>
    public static int Execute(this DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = c.Command(tx, sql, args);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row, or null.</summary>
    public static object? Scalar(this DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = c.Command(tx, sql, args);
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }

    /// <summary>Maps every row.</summary>
    public static List<T> Query<T>(this DbConnection c, DbTransaction? tx, string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] args)
    {
        using var cmd = c.Command(tx, sql, args);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read())
        {
            list.Add(map(r));
        }

        return list;
    }

    /// <summary>A nullable string column.</summary>
    public static string? Text(this DbDataReader r, string name)
    {
        int i = r.GetOrdinal(name);
        return r.IsDBNull(i) ? null : r.GetString(i);
    }

    /// <summary>A 64-bit integer column (0 when null).</summary>
    public static long Int64(this DbDataReader r, string name)
    {
        int i = r.GetOrdinal(name);
        return r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A nullable double column.</summary>
    public static double? Double(this DbDataReader r, string name)
    {
        int i = r.GetOrdinal(name);
        return r.IsDBNull(i) ? null : Convert.ToDouble(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A nullable binary column.</summary>
    public static byte[]? Bytes(this DbDataReader r, string name)
    {
        int i = r.GetOrdinal(name);
        return r.IsDBNull(i) ? null : (byte[])r.GetValue(i);
    }
}
