namespace Condenser.Server.Tests;

/// <summary>The two database backends for [Theory] data (the xunit analyser needs the member in this assembly).</summary>
public static class Databases
{
    public static TheoryData<string> Backends => TestLibrary.Backends;
}
