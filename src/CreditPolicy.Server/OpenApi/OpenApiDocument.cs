using CreditPolicy.Records;
using CreditPolicy.Rules;
using CreditPolicy.Rules.Effects;
using CreditPolicy.Schemas;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NodaTime;

namespace CreditPolicy.Server.OpenApi;

/// <summary>The OpenAPI 3.1 document of the server, written from the same declarations the server runs on.</summary>
/// <remarks>
/// The case schema is <see cref="SchemaCatalog.Case"/> of the version in force (what <c>creditpolicy schema</c> writes), every
/// version's case schema is a component too, and the decision's effect fields are each effect module's own
/// <see cref="EffectModule.Schema"/>; the rest (reasons, rules, record, trace, problems, batch lines, status) is written here,
/// beside the code that writes it, and a test checks real responses against it.
/// </remarks>
internal static class OpenApiDocument
{
    /// <summary>The media type of a batch, in and out.</summary>
    public const string Ndjson = "application/x-ndjson";

    /// <summary>The document for a catalogue, with the version in force at <paramref name="now"/> as the request body's case schema.</summary>
    public static JObject Build(RuleCatalogue catalogue, Instant now, bool bearer)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        var inForce = catalogue.InForceAt(now) ?? catalogue.Versions[^1];
        var schemas = new JObject
        {
            ["Case"] = CaseSchema(inForce),
        };
        if (catalogue.Versions.Count > 1)
        {
            foreach (var v in catalogue.Versions) schemas["Case." + v.Identity.TermsVersion] = CaseSchema(v);
        }

        schemas["Decision"] = Decision(trace: false);
        schemas["Explanation"] = Decision(trace: true);
        schemas["BatchLine"] = BatchLine();
        schemas["Problem"] = Problem();
        schemas["RulesStatus"] = RulesStatus();

        var versions = string.Join(", ", catalogue.Versions.Select(v => v.Identity.TermsVersion + (v.EffectiveFrom is { } f ? " (from " + RuleCatalogue.Format(f) + ")" : "")));
        var document = new JObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JObject
            {
                ["title"] = "CreditPolicy",
                ["version"] = DecisionRecords.LibraryVersion,
                ["description"] = $"Decides what may happen to prepaid and promotional credits under the terms served: {versions}; rules digest {catalogue.Identity.Digest}. "
                    + "Every decision (permit, deny or indeterminate) is 200 with the same bytes as `creditpolicy evaluate --compact`; errors are RFC 9457 problem details. "
                    + $"The request body's case schema is that of terms {inForce.Identity.TermsVersion}, in force when this document was written; a case pinned by account.termsVersion follows that version's schema (components Case.<version>).",
            },
            ["paths"] = Paths(),
            ["components"] = new JObject { ["schemas"] = schemas },
        };
        if (bearer)
        {
            ((JObject)document["components"]!)["securitySchemes"] = new JObject { ["bearer"] = new JObject { ["type"] = "http", ["scheme"] = "bearer" } };
            document["security"] = new JArray(new JObject { ["bearer"] = new JArray() });
        }

        return document;
    }

    /// <summary>The document as UTF-8 JSON text.</summary>
    public static byte[] Utf8(JObject document) => System.Text.Encoding.UTF8.GetBytes(document.ToString(Formatting.Indented));

    private static JObject CaseSchema(RuleSet version)
    {
        var schema = SchemaCatalog.Case(version.Contract, version.Identity.TermsVersion);

        // The document's dialect is OpenAPI 3.1's (JSON Schema 2020-12); the generated schema uses nothing draft-07 reads otherwise.
        schema.Remove("$schema");
        return schema;
    }

    private static JObject Paths()
    {
        var caseBody = new JObject
        {
            ["required"] = true,
            ["description"] = "One case, strict RFC 8259 JSON in UTF-8, at most 8 MiB.",
            ["content"] = new JObject { ["application/json"] = new JObject { ["schema"] = Ref("Case") } },
        };
        return new JObject
        {
            ["/v1/decisions"] = new JObject
            {
                ["post"] = Operation("decide", "Decide one case.", "The decision, whatever its outcome (permit, deny or indeterminate; callers treat indeterminate as deny).",
                    caseBody, Json(Ref("Decision")), CaseErrors()),
            },
            ["/v1/explanations"] = new JObject
            {
                ["post"] = Operation("explain", "Decide one case and return the decision with its trace: every rule run, in order, with the values it looked at.", "The decision followed by its trace.",
                    caseBody, Json(Ref("Explanation")), CaseErrors()),
            },
            ["/v1/decisions/batch"] = new JObject
            {
                ["post"] = Operation("decideBatch",
                    "Decide many cases: NDJSON in (one case per line), NDJSON out, streamed in input order, the lines `creditpolicy sweep` writes. A line that is not a valid case gets an error line and the stream goes on.",
                    "One line per non-blank input line (BatchLine). A batch that cannot finish (the decision log fails, the body is too long) ends with a line holding only error, and the connection closes without the end of the response.",
                    new JObject
                    {
                        ["required"] = true,
                        ["description"] = "Cases, one per line (each at most 8 MiB); blank lines are skipped but keep their numbers.",
                        ["content"] = new JObject { [Ndjson] = new JObject { ["schema"] = new JObject { ["type"] = "string", ["description"] = "Lines of JSON, each a case (see Case)." } } },
                    },
                    new JObject { [Ndjson] = new JObject { ["schema"] = new JObject { ["type"] = "string", ["description"] = "Lines of JSON, each a BatchLine." } } },
                    new JObject
                    {
                        ["401"] = ProblemResponse("No bearer token, or another one."),
                        ["413"] = ProblemResponse("The batch is longer than the server allows."),
                        ["415"] = ProblemResponse($"The body is not {Ndjson}."),
                        ["503"] = ProblemResponse("Too many batches at once (Retry-After says when to retry)."),
                    }),
            },
            ["/v1/rules"] = new JObject
            {
                ["get"] = Operation("rules", "The rules served: every version with its effectiveFrom and digest, since when it serves, and the last reload attempt with its problems.", "The status.",
                    null, Json(Ref("RulesStatus")), Unauthorized()),
            },
            ["/healthz"] = new JObject
            {
                ["get"] = Open(Operation("live", "Liveness: the process answers.", "Live.", null, Json(Status()), new JObject())),
            },
            ["/readyz"] = new JObject
            {
                ["get"] = Open(Operation("ready", "Readiness: rules are loaded and served, and the server is not stopping.", "Ready.", null, Json(Status()), new JObject
                {
                    ["503"] = new JObject { ["description"] = "Stopping.", ["content"] = Json(Status()) },
                })),
            },
            ["/metrics"] = new JObject
            {
                ["get"] = Operation("metrics", "Metrics in the Prometheus text format (OpenTelemetry): creditpolicy_decisions_total, creditpolicy_decision_clauses_total, creditpolicy_decision_duration_seconds, creditpolicy_invalid_cases_total, creditpolicy_reloads_total, creditpolicy_rules_serving, creditpolicy_rules_healthy, and ASP.NET Core's http_server_request_duration_seconds.",
                    "The metrics.", null, new JObject { ["text/plain"] = new JObject { ["schema"] = new JObject { ["type"] = "string" } } }, Unauthorized()),
            },
            ["/openapi/v1.json"] = new JObject
            {
                ["get"] = Operation("openApi", "This document.", "The OpenAPI 3.1 document.", null, Json(new JObject { ["type"] = "object" }), Unauthorized()),
            },
        };
    }

    private static JObject CaseErrors() => new()
    {
        ["400"] = new JObject
        {
            ["description"] = "The case is not valid: problems lists every problem with its JSON path, line and column.",
            ["content"] = new JObject { ["application/problem+json"] = new JObject { ["schema"] = Ref("Problem") } },
        },
        ["401"] = ProblemResponse("No bearer token, or another one."),
        ["408"] = ProblemResponse("The request took longer than the server allows."),
        ["413"] = ProblemResponse("The case is longer than 8 MiB."),
        ["415"] = ProblemResponse("The body is not application/json (UTF-8)."),
        ["503"] = ProblemResponse("The decision could not be written to the decision log, so it was not handed out."),
    };

    private static JObject Unauthorized() => new() { ["401"] = ProblemResponse("No bearer token, or another one.") };

    private static JObject Operation(string id, string summary, string okDescription, JObject? body, JObject okContent, JObject errors)
    {
        var responses = new JObject { ["200"] = new JObject { ["description"] = okDescription, ["content"] = okContent } };
        foreach (var (status, response) in errors) responses[status] = response;
        responses["500"] = ProblemResponse("The server failed; the response says nothing more.");
        var operation = new JObject { ["operationId"] = id, ["summary"] = summary, ["responses"] = responses };
        if (body is not null) operation["requestBody"] = body;
        return operation;
    }

    // Probes answer without the token.
    private static JObject Open(JObject operation)
    {
        operation["security"] = new JArray();
        return operation;
    }

    private static JObject ProblemResponse(string description) => new()
    {
        ["description"] = description,
        ["content"] = new JObject { ["application/problem+json"] = new JObject { ["schema"] = Ref("Problem") } },
    };

    private static JObject Json(JObject schema) => new() { ["application/json"] = new JObject { ["schema"] = schema } };

    private static JObject Ref(string component) => new() { ["$ref"] = "#/components/schemas/" + component };

    private static JObject Status() => new()
    {
        ["type"] = "object",
        ["required"] = new JArray("status"),
        ["properties"] = new JObject { ["status"] = new JObject { ["enum"] = new JArray("live", "ready", "stopping") } },
    };

    private static JObject String(string? format = null, bool nullable = false)
    {
        var s = new JObject { ["type"] = nullable ? new JArray("string", "null") : "string" };
        if (format is not null) s["format"] = format;
        return s;
    }

    /// <summary>The decision as <c>DecisionJson</c> writes it; with the trace for an explanation.</summary>
    internal static JObject Decision(bool trace)
    {
        var properties = new JObject
        {
            ["outcome"] = new JObject { ["enum"] = new JArray("permit", "deny", "indeterminate"), ["description"] = "indeterminate: the evaluator could not decide; treat it as deny." },
            ["reasons"] = new JObject
            {
                ["type"] = "array",
                ["description"] = "Every rule that decided, with the clause of the terms it enforces.",
                ["items"] = new JObject
                {
                    ["type"] = "object",
                    ["additionalProperties"] = false,
                    ["required"] = new JArray("rule", "clause", "message"),
                    ["properties"] = new JObject { ["rule"] = String(), ["clause"] = String(nullable: true), ["message"] = String(), ["grantId"] = String() },
                },
            },
        };
        foreach (var effect in EffectModules.All) properties[effect.Name] = effect.Schema();
        properties["rules"] = new JObject
        {
            ["type"] = "object",
            ["description"] = "The version of the terms that decided (termsVersion null: none is in force), the rules' digest and the tz database.",
            ["additionalProperties"] = false,
            ["required"] = new JArray("termsVersion", "digest", "tzdb"),
            ["properties"] = new JObject { ["termsVersion"] = String(nullable: true), ["digest"] = String(), ["tzdb"] = String() },
        };
        properties["asOf"] = String("date-time");
        properties["record"] = new JObject
        {
            ["type"] = "object",
            ["description"] = "The decision's id (over case, rules, tz database and library version) and the case's digest.",
            ["additionalProperties"] = false,
            ["required"] = new JArray("id", "caseDigest", "libraryVersion"),
            ["properties"] = new JObject { ["id"] = String(), ["caseDigest"] = String(), ["libraryVersion"] = String() },
        };
        var required = new JArray(properties.Properties().Select(p => p.Name).ToArray());
        if (trace)
        {
            properties["trace"] = new JObject
            {
                ["type"] = "array",
                ["description"] = "Every rule run, in order: whether it fired and the values it looked at.",
                ["items"] = new JObject
                {
                    ["type"] = "object",
                    ["additionalProperties"] = false,
                    ["required"] = new JArray("rule", "clause", "scope", "fired", "values"),
                    ["properties"] = new JObject
                    {
                        ["rule"] = String(),
                        ["clause"] = String(nullable: true),
                        ["scope"] = String(),
                        ["grantId"] = String(),
                        ["fired"] = new JObject { ["type"] = "boolean" },
                        ["detail"] = String(),
                        ["values"] = new JObject
                        {
                            ["type"] = "array",
                            ["items"] = new JObject
                            {
                                ["type"] = "object",
                                ["additionalProperties"] = false,
                                ["required"] = new JArray("expression", "value"),
                                ["properties"] = new JObject { ["expression"] = String(), ["value"] = new JObject(), ["error"] = String() },
                            },
                        },
                    },
                },
            };
            required.Add("trace");
        }

        return new JObject
        {
            ["type"] = "object",
            ["description"] = trace ? "A decision followed by its trace." : "A decision: the same bytes as creditpolicy evaluate --compact.",
            ["additionalProperties"] = false,
            ["required"] = required,
            ["properties"] = properties,
        };
    }

    private static JObject BatchLine() => new()
    {
        ["type"] = "object",
        ["description"] = "One output line of a batch: line (the input line's 1-based number) with accountId and decision, or with error for a line that is not a valid case; error alone ends a batch that could not finish.",
        ["additionalProperties"] = false,
        ["properties"] = new JObject
        {
            ["line"] = new JObject { ["type"] = "integer", ["minimum"] = 1 },
            ["accountId"] = String(),
            ["decision"] = Ref("Decision"),
            ["error"] = new JObject
            {
                ["type"] = "object",
                ["required"] = new JArray("message"),
                ["properties"] = new JObject
                {
                    ["message"] = String(),
                    ["problems"] = new JObject
                    {
                        ["type"] = "array",
                        ["items"] = new JObject
                        {
                            ["type"] = "object",
                            ["required"] = new JArray("path", "message"),
                            ["properties"] = new JObject { ["path"] = String(), ["message"] = String(), ["column"] = new JObject { ["type"] = "integer" } },
                        },
                    },
                },
            },
        },
    };

    private static JObject Problem() => new()
    {
        ["type"] = "object",
        ["description"] = "RFC 9457 problem details. type is urn:creditpolicy:problem:<name> (invalid-case, too-large, unsupported-media-type, unauthorized, request-timeout, decision-not-recorded, too-many-batches, not-found, method-not-allowed, internal-error).",
        ["required"] = new JArray("type", "title", "status"),
        ["properties"] = new JObject
        {
            ["type"] = String(),
            ["title"] = String(),
            ["status"] = new JObject { ["type"] = "integer" },
            ["detail"] = String(),
            ["problems"] = new JObject
            {
                ["type"] = "array",
                ["description"] = "For invalid-case: every problem, with its JSON path (such as grants[1].remaining), line and column.",
                ["items"] = new JObject
                {
                    ["type"] = "object",
                    ["additionalProperties"] = false,
                    ["required"] = new JArray("path", "message"),
                    ["properties"] = new JObject { ["path"] = String(), ["message"] = String(), ["line"] = new JObject { ["type"] = "integer" }, ["column"] = new JObject { ["type"] = "integer" } },
                },
            },
        },
    };

    private static JObject RulesStatus() => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = false,
        ["required"] = new JArray("healthy", "digest", "tzdb", "servingSince", "versions", "lastReload"),
        ["properties"] = new JObject
        {
            ["healthy"] = new JObject { ["type"] = "boolean", ["description"] = "false while the rule directory holds an edit that was rejected; the last good rules keep serving." },
            ["digest"] = String(),
            ["tzdb"] = String(),
            ["servingSince"] = String("date-time"),
            ["versions"] = new JObject
            {
                ["type"] = "array",
                ["items"] = new JObject
                {
                    ["type"] = "object",
                    ["additionalProperties"] = false,
                    ["required"] = new JArray("termsVersion", "effectiveFrom", "digest", "rules", "inForce", "servingSince"),
                    ["properties"] = new JObject
                    {
                        ["termsVersion"] = String(),
                        ["effectiveFrom"] = String("date-time", nullable: true),
                        ["digest"] = String(),
                        ["rules"] = new JObject { ["type"] = "integer" },
                        ["inForce"] = new JObject { ["type"] = "boolean", ["description"] = "Whether this version decides a case whose asOf is now and whose account pins none." },
                        ["servingSince"] = String("date-time"),
                    },
                },
            },
            ["lastReload"] = new JObject
            {
                ["type"] = new JArray("object", "null"),
                ["additionalProperties"] = false,
                ["required"] = new JArray("at", "result", "problems"),
                ["properties"] = new JObject
                {
                    ["at"] = String("date-time"),
                    ["result"] = new JObject { ["enum"] = new JArray("replaced", "unchanged", "rejected") },
                    ["problems"] = new JObject
                    {
                        ["type"] = "array",
                        ["items"] = new JObject
                        {
                            ["type"] = "object",
                            ["additionalProperties"] = false,
                            ["required"] = new JArray("file", "message"),
                            ["properties"] = new JObject { ["file"] = String(), ["workflow"] = String(), ["rule"] = String(), ["line"] = new JObject { ["type"] = "integer" }, ["message"] = String() },
                        },
                    },
                },
            },
        },
    };
}
