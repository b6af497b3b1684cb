using System.Net.Http.Headers;
using Condenser.Server;
using Condenser.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Condenser.Server.Tests;

/// <summary>A real server (Kestrel on a free loopback port) over a test library.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServerHost(TestLibrary lib, Catalog.Library catalog, WebApplication app, string url)
    {
        Library = lib;
        Catalog = catalog;
        _app = app;
        Url = url;
    }

    /// <summary>The library.</summary>
    public TestLibrary Library { get; }

    /// <summary>The catalogue the server uses.</summary>
    public Catalog.Library Catalog { get; }

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Base URL.</summary>
    public string Url { get; }

    /// <summary>Starts a server on a new library.</summary>
    public static async Task<ServerHost> Start(string backend, Func<ServerOptions, ServerOptions>? configure = null)
    {
        var lib = TestLibrary.Create(backend);
        var catalog = lib.Open();
        var options = new ServerOptions { DataDirectory = lib.Folder, Urls = "http://127.0.0.1:0", PollInterval = TimeSpan.FromMilliseconds(200) };
        options = configure?.Invoke(options) ?? options;
        var app = CondenserServer.Build(options, catalog, l => l.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ServerHost(lib, catalog, app, url);
    }

    /// <summary>An HTTP client, with a bearer token when given.</summary>
    public HttpClient Client(string? token = null)
    {
        var c = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromMinutes(2) };
        if (token is not null)
        {
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return c;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Catalog.Dispose();
        Library.Dispose();
    }
}
