using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The fastest answer Kestrel gives on this machine: POST / answers a fixed 200 with a small JSON body, whatever was sent.
// Same framework, same Kestrel settings that matter (no server header, Production) and same GC as creditpolicy serve.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, EnvironmentName = Environments.Production });
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
var app = builder.Build();
var body = """{"outcome":"permit"}"""u8.ToArray();
app.MapPost("/", context =>
{
    context.Response.ContentType = "application/json";
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body).AsTask();
});
await app.StartAsync();
var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
Console.WriteLine("http-ceiling: listening on " + string.Join(" ", addresses));
await app.WaitForShutdownAsync();
