using System.CommandLine;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser users add NAME --role R</c> (prints a new token once), <c>users list</c>, <c>users token NAME</c>, <c>users revoke NAME</c>.</summary>
internal static class UsersCommand
{
    public static Command Create()
    {
        var c = new Command("users", "manage the users of a library (run on the data folder: whoever owns it is its administrator)");
        c.Subcommands.Add(Add());
        c.Subcommands.Add(List());
        c.Subcommands.Add(Token());
        c.Subcommands.Add(Revoke());
        return c;
    }

    private static Command Add()
    {
        var lib = new LibraryOptions(remote: true);
        var name = new Argument<string>("name") { Description = "the user's name" };
        var role = new Option<string>("--role") { Description = "viewer, contributor or admin", Required = true };
        var institution = new Option<string?>("--institution") { Description = "the user's institution (institution-visible records are shared within it)" };
        var projects = new Option<string[]>("--project") { Description = "a project the user belongs to (repeat for several; created when missing)", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var c = new Command("add", "add a user and print their API token (shown once)");
        c.Arguments.Add(name);
        c.Options.Add(role);
        c.Options.Add(institution);
        c.Options.Add(projects);
        c.Options.Add(json);
        lib.AddTo(c);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var roleValue = AccessNames.ParseRole(r.GetValue(role)!);
            string userName, token;
            IReadOnlyList<string> memberOf;
            if (lib.Remote(r) is { } remote)
            {
                // An admin's token adds the user through the running server.
                using var http = new HttpClient { BaseAddress = new Uri(remote.Url) };
                if (remote.Token is not null)
                {
                    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", remote.Token);
                }

                var body = new JsonObject
                {
                    ["name"] = r.GetValue(name),
                    ["role"] = roleValue.Name(),
                    ["institution"] = r.GetValue(institution),
                    ["projects"] = new JsonArray((r.GetValue(projects) ?? []).Select(p => (JsonNode)p).ToArray()),
                };
                using var resp = http.PostAsync("/api/users", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
                var answer = JsonNode.Parse(resp.Content.ReadAsStringAsync().GetAwaiter().GetResult());
                if (!resp.IsSuccessStatusCode)
                {
                    throw new ArgumentException($"the server refused ({(int)resp.StatusCode}): {answer?["detail"]}");
                }

                (userName, token, memberOf) = (answer!["name"]!.GetValue<string>(), answer["token"]!.GetValue<string>(), answer["projects"]!.AsArray().Select(p => p!.GetValue<string>()).ToList());
            }
            else
            {
                using var catalog = lib.OpenCatalog(r);
                var (user, t) = catalog.Users.Add(r.GetValue(name)!, roleValue, r.GetValue(institution), r.GetValue(projects) ?? []);
                (userName, token, memberOf) = (user.Name, t, user.Projects);
            }

            if (r.GetValue(json))
            {
                Console.WriteLine(new JsonObject { ["name"] = userName, ["role"] = roleValue.Name(), ["projects"] = new JsonArray(memberOf.Select(p => (JsonNode)p).ToArray()), ["token"] = token }.ToJsonString(Json.Options));
            }
            else
            {
                Console.Error.WriteLine($"added {userName} ({roleValue.Name()}{(memberOf.Count > 0 ? ", projects " + string.Join(", ", memberOf) : string.Empty)}); the token is shown once:");
                Console.WriteLine(token);
            }

            return 0;
        }));
        return c;
    }

    private static Command List()
    {
        var lib = new LibraryOptions(remote: false);
        var c = new Command("list", "list the users");
        lib.AddTo(c);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            using var catalog = lib.OpenCatalog(r);
            foreach (var u in catalog.Users.List())
            {
                Console.WriteLine($"{u.Name,-20} {u.Role.Name(),-12} {u.Institution,-20} {string.Join(", ", u.Projects)}");
            }

            return 0;
        }));
        return c;
    }

    private static Command Token()
    {
        var lib = new LibraryOptions(remote: false);
        var name = new Argument<string>("name");
        var c = new Command("token", "issue another API token for a user (shown once)");
        c.Arguments.Add(name);
        lib.AddTo(c);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            using var catalog = lib.OpenCatalog(r);
            Console.WriteLine(catalog.Users.NewTokenFor(r.GetValue(name)!));
            return 0;
        }));
        return c;
    }

    private static Command Revoke()
    {
        var lib = new LibraryOptions(remote: false);
        var name = new Argument<string>("name");
        var c = new Command("revoke", "revoke every token of a user");
        c.Arguments.Add(name);
        lib.AddTo(c);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            using var catalog = lib.OpenCatalog(r);
            catalog.Users.RevokeTokens(r.GetValue(name)!);
            Console.Error.WriteLine($"revoked the tokens of {r.GetValue(name)}");
            return 0;
        }));
        return c;
    }
}
