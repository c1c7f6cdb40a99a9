using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sysmon.Enrich.Tests;

/// <summary>A real HTTP server on 127.0.0.1 (HttpListener) whose answers the test scripts, one handler per request.</summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    public Func<HttpListenerRequest, HttpListenerResponse, Task> Handler { get; set; } = (_, r) => { r.StatusCode = 404; return Task.CompletedTask; };
    public int Requests;
    public string Url { get; }

    public LocalHttpServer()
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            Interlocked.Increment(ref Requests);
            _ = Task.Run(async () =>
            {
                try
                {
                    await Handler(context.Request, context.Response);
                }
                catch (Exception)
                {
                    // the client gave up (timeouts are part of the tests)
                }
                finally
                {
                    try
                    {
                        context.Response.Close();
                    }
                    catch (Exception)
                    {
                    }
                }
            });
        }
    }

    public static async Task Write(HttpListenerResponse response, string body, string contentType = "text/plain")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    /// <summary>Answers every request with the list <paramref name="current"/> gives under its ETag, or 304 when the
    /// client already holds that ETag.</summary>
    public void ServeWithETag(Func<(string ETag, string Body)> current) =>
        Handler = async (req, res) =>
        {
            var (etag, body) = current();
            res.Headers["ETag"] = etag;
            if (req.Headers["If-None-Match"] == etag)
            {
                res.StatusCode = 304;
                return;
            }
            await Write(res, body);
        };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
    }
}
