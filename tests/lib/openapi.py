#!/usr/bin/python3
# tests/lib/openapi.py: checks an OpenAPI 3.0 document's structure, and responses against it (python3-jsonschema).
#   openapi.py doc FILE                                  structure: exits 0 or prints each problem, exits 1
#   openapi.py resp FILE PATH_TEMPLATE STATUS BODY_FILE  the body matches the response schema of GET PATH STATUS
import json
import re
import sys

import warnings

import jsonschema

warnings.filterwarnings("ignore", category=DeprecationWarning)

OPS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SCHEMA_KEYS = {"type", "properties", "required", "items", "additionalProperties", "enum", "format", "minimum",
               "maximum", "maxLength", "minLength", "default", "nullable", "description", "$ref", "oneOf", "anyOf",
               "allOf", "pattern", "example"}
TYPES = {"object", "array", "string", "integer", "number", "boolean"}


def resolve(doc, ref):
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def check_schema(doc, s, where, problems):
    if not isinstance(s, dict):
        problems.append(f"{where}: schema is not an object")
        return
    for k in s:
        if k not in SCHEMA_KEYS:
            problems.append(f"{where}: unknown schema keyword {k}")
    if "$ref" in s:
        try:
            resolve(doc, s["$ref"])
        except KeyError:
            problems.append(f"{where}: $ref {s['$ref']} does not resolve")
        return
    if "type" in s and s["type"] not in TYPES:
        problems.append(f"{where}: bad type {s['type']}")
    for name, sub in s.get("properties", {}).items():
        check_schema(doc, sub, f"{where}.{name}", problems)
    if "items" in s:
        check_schema(doc, s["items"], f"{where}[]", problems)
    if isinstance(s.get("additionalProperties"), dict):
        check_schema(doc, s["additionalProperties"], f"{where}.*", problems)
    for r in s.get("required", []):
        if "properties" in s and r not in s["properties"]:
            problems.append(f"{where}: required {r} is not a property")


def check_doc(doc):
    p = []
    if not str(doc.get("openapi", "")).startswith("3.0."):
        p.append("openapi is not 3.0.x")
    info = doc.get("info", {})
    if not isinstance(info.get("title"), str) or not isinstance(info.get("version"), str):
        p.append("info.title and info.version are required strings")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for name, s in doc.get("components", {}).get("schemas", {}).items():
        check_schema(doc, s, f"components.schemas.{name}", p)
    paths = doc.get("paths")
    if not isinstance(paths, dict) or not paths:
        p.append("paths is required")
        paths = {}
    for path, item in paths.items():
        if not path.startswith("/"):
            p.append(f"path {path} does not start with /")
        tmpl = set(re.findall(r"{([^}]+)}", path))
        for op, o in item.items():
            if op not in OPS:
                p.append(f"{path}: unknown operation {op}")
                continue
            declared = set()
            for prm in o.get("parameters", []):
                if "$ref" in prm:
                    try:
                        prm = resolve(doc, prm["$ref"])
                    except KeyError:
                        p.append(f"{path} {op}: parameter $ref {prm['$ref']} does not resolve")
                        continue
                if prm.get("in") not in {"path", "query", "header", "cookie"} or not prm.get("name"):
                    p.append(f"{path} {op}: parameter without name or valid 'in'")
                if prm.get("in") == "path":
                    declared.add(prm["name"])
                    if prm.get("required") is not True:
                        p.append(f"{path} {op}: path parameter {prm['name']} must be required")
                check_schema(doc, prm.get("schema", {}), f"{path} {op} {prm.get('name')}", p)
            if declared != tmpl:
                p.append(f"{path} {op}: path parameters {sorted(declared)} != template {sorted(tmpl)}")
            resp = o.get("responses")
            if not isinstance(resp, dict) or not resp:
                p.append(f"{path} {op}: no responses")
                continue
            for code, r in resp.items():
                if not re.fullmatch(r"[1-5][0-9][0-9]|default", code):
                    p.append(f"{path} {op}: bad status {code}")
                if "$ref" in r:
                    try:
                        r = resolve(doc, r["$ref"])
                    except KeyError:
                        p.append(f"{path} {op} {code}: $ref does not resolve")
                        continue
                if not isinstance(r.get("description"), str):
                    p.append(f"{path} {op} {code}: description is required")
                for mt, c in r.get("content", {}).items():
                    check_schema(doc, c.get("schema", {}), f"{path} {op} {code} {mt}", p)
            for req in o.get("security", doc.get("security", [])):
                for name in req:
                    if name not in schemes:
                        p.append(f"{path} {op}: security scheme {name} not defined")
    return p


def to_jsonschema(s):
    """OpenAPI 3.0 schema objects to JSON Schema: nullable becomes a null type."""
    if isinstance(s, dict):
        out = {k: to_jsonschema(v) for k, v in s.items() if k != "nullable"}
        if s.get("nullable") and "type" in s:
            out["type"] = [s["type"], "null"]
        return out
    if isinstance(s, list):
        return [to_jsonschema(v) for v in s]
    return s


def main():
    doc = json.load(open(sys.argv[2]))
    if sys.argv[1] == "doc":
        p = check_doc(doc)
        for x in p:
            print(x)
        sys.exit(1 if p else 0)
    path, status, body = sys.argv[3], sys.argv[4], json.load(open(sys.argv[5]))
    op = doc["paths"][path]["get"]
    r = op["responses"].get(status) or op["responses"].get("default")
    if r is None:
        print(f"status {status} not documented for GET {path}")
        sys.exit(1)
    if "$ref" in r:
        r = resolve(doc, r["$ref"])
    schema = r["content"]["application/json"]["schema"]
    jdoc = to_jsonschema(doc)
    v = jsonschema.Draft4Validator(to_jsonschema(schema), resolver=jsonschema.RefResolver("", jdoc))
    errs = list(v.iter_errors(body))
    for e in errs[:5]:
        print(f"{path} {status}: {e.message} at {list(e.path)}")
    sys.exit(1 if errs else 0)


main()
