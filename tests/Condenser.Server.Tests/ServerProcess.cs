using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Condenser.Server.Tests;

/// <summary>The built <c>condenser</c> command run as a separate process, as a user runs it.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    private ServerProcess(Process p, string url)
    {
        _process = p;
        Url = url;
        p.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    /// <summary>Base URL.</summary>
    public string Url { get; }

    /// <summary>What the server printed.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts <c>condenser serve</c> on a free port and waits until it answers.</summary>
    public static Task<ServerProcess> Start(string data, string? db, params string[] extra) => Start(null, data, db, extra);

    /// <summary>Starts <c>condenser serve</c> with extra environment variables.</summary>
    public static async Task<ServerProcess> Start(IReadOnlyDictionary<string, string>? environment, string data, string? db, params string[] extra)
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        var url = $"http://127.0.0.1:{port}";
        var args = new List<string> { "serve", "--data", data, "--urls", url };
        if (db is not null)
        {
            args.AddRange(["--db", db]);
        }

        args.AddRange(extra);
        var info = Info(args);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var p = Process.Start(info)!;
        var server = new ServerProcess(p, url);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (p.HasExited)
            {
                throw new InvalidOperationException($"condenser serve exited with {p.ExitCode}: {server.Log}");
            }

            try
            {
                if ((await http.GetAsync(url + "/api/health")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        server.Dispose();
        throw new TimeoutException("condenser serve did not answer within 60 s");
    }

    private static ProcessStartInfo Info(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "condenser.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
