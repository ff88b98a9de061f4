#!/usr/bin/env python3
"""A CreditPolicy client in plain Python 3 (standard library only), written against the server's OpenAPI document.

It reads GET /openapi/v1.json, finds the operation by its operationId ("decide", or "explain" with --explain), checks the
case against the request body's schema as far as the document says (required fields, the request types it lists), posts
it with the media type the document names, and prints the decision exactly as the server sent it.

    python3 creditpolicy_client.py --url http://127.0.0.1:8181 examples/use.json
    python3 creditpolicy_client.py --url http://10.0.0.5:8181 --token-file token.txt --explain case.json

Exit codes: 0 a decision was printed (permit, deny or indeterminate); 2 the case was refused (each problem on stderr,
with its JSON path); 1 anything else (the server unreachable, 401, 5xx).
"""

import argparse
import json
import sys
import urllib.error
import urllib.request


def request(url, token, data=None, content_type=None):
    headers = {"Accept": "application/json, application/problem+json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def resolve(document, schema):
    """Follows a local $ref (#/components/schemas/Name) to the schema it names."""
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def operation(document, operation_id):
    """The path, method and operation object with this operationId."""
    for path, item in document["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method.upper(), op
    raise SystemExit(f"error: the server's OpenAPI document has no operation '{operation_id}'")


def check(case, schema):
    """What the document's case schema says is missing or unknown at the top level and in the request; empty when none."""
    problems = [f"{name}: required field is missing" for name in schema.get("required", []) if name not in case]
    request_schemas = schema.get("properties", {}).get("request", {}).get("oneOf", [])
    request_type = case.get("request", {}).get("type") if isinstance(case.get("request"), dict) else None
    known = []
    for s in request_schemas:
        type_schema = s.get("properties", {}).get("type", {})
        if "const" in type_schema:
            known.append(type_schema["const"])
        known.extend(type_schema.get("enum", []))
    if known and request_type is not None and request_type not in known:
        problems.append(f"request.type: expected one of {', '.join(known)}, got {json.dumps(request_type)}")
    return problems


def main():
    parser = argparse.ArgumentParser(description="Ask a CreditPolicy server for a decision.")
    parser.add_argument("case", help="the case JSON file")
    parser.add_argument("--url", default="http://127.0.0.1:8181", help="the server (default http://127.0.0.1:8181)")
    parser.add_argument("--token-file", help="a file holding the server's bearer token")
    parser.add_argument("--explain", action="store_true", help="ask for the decision with its trace")
    args = parser.parse_args()

    token = None
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            token = f.read().strip()
    base = args.url.rstrip("/")

    status, body = request(base + "/openapi/v1.json", token)
    if status != 200:
        print(f"error: GET /openapi/v1.json answered {status}: {body.decode('utf-8', 'replace')}", file=sys.stderr)
        return 1
    document = json.loads(body)
    path, method, op = operation(document, "explain" if args.explain else "decide")
    media_type, media = next(iter(op["requestBody"]["content"].items()))
    case_schema = resolve(document, media["schema"])

    with open(args.case, "rb") as f:
        raw = f.read()
    problems = check(json.loads(raw), case_schema)
    if problems:
        print(f"error: the case does not follow {case_schema.get('title', 'the case schema')}:", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        return 2

    # The file's bytes as they are: the server reads exact decimals, which a float round trip would lose.
    status, body = request(base + path, token, data=raw, content_type=media_type)
    if status == 200:
        decision = json.loads(body)
        print(body.decode("utf-8"))
        reasons = ", ".join(f"{r['rule']} ({r['clause']})" for r in decision["reasons"])
        print(f"{decision['outcome']} under terms {decision['rules']['termsVersion']}: {reasons}", file=sys.stderr)
        return 0
    problem = json.loads(body) if body else {}
    if status == 400 and problem.get("problems"):
        print(f"error: {problem.get('detail', 'the case is not valid')}", file=sys.stderr)
        for p in problem["problems"]:
            where = f" (line {p['line']}, column {p['column']})" if "line" in p else ""
            print(f"  {p['path']}{where}: {p['message']}", file=sys.stderr)
        return 2
    print(f"error: {method} {path} answered {status}: {problem.get('title', '')}: {problem.get('detail', '')}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
