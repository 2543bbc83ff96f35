#!/usr/bin/env python3
"""openapi_check.py - docs/openapi.yaml against the daemon it documents.

Usage:
    openapi_check.py DOC SOURCE_ROOT [--peerplan PEERPLAN]

Fails (exit 1, one line per finding) unless:

  (a) Routes: every row of a route table in SOURCE_ROOT/daemon/*.c
      (`{EVHTTP_REQ_GET, "/v1/plans/{id}", R_SCHED | R_VIEW, handler,
      "name"}` inside `const struct route NAME[] = {...};`) has exactly one
      operation in DOC with that method and path -- path parameters compare
      by position, whatever their names -- and DOC has no other operation;
      the operation's operationId is the row's name, its x-peerplan-roles
      are the row's roles (ROLE_X and the file's #define aliases of them,
      named as auth.c names them; admin, whom auth_allows lets call every
      route, is listed only where the table names it), its description says "Roles - <the same>" ("none"
      for a route without a token), and its security is [] exactly when
      the route needs no token.  A table row the pattern cannot read fails
      too, so a change of the table's shape cannot hide a route.
  (b) Errors: the Error schema's code enum is the code names of
      solver/error.c, in order, then any code daemon/*.c writes itself
      (the framing check's not_implemented), and every 4xx/5xx response
      is that schema as JSON.
  (c) Structure, as far as OpenAPI 3.1 can be checked without its schema
      from the network: known keys at each level; info.version is the
      project's version; every local $ref resolves (and no other kind is
      used); every path template parameter is declared `in: path`,
      required, and every declared path parameter is in the template;
      parameters are unique by (name, in) and have a schema or content;
      every operation has responses, each with a description and status
      keys of 1XX..5XX or default; operationIds are unique; security
      names a declared scheme; tags are declared; no two paths are the
      same template.
  (d) Schemas: each component schema is a valid JSON Schema 2020-12
      (python3-jsonschema's metaschema check), and the example documents
      validate against the request schemas: every month of
      contrib/examples (realistic/ included) and every valid
      tests/cases/*/input.json against MonthDocument, match-30x6.json
      against MatchBatch.  With --peerplan, the outputs of `peerplan solve`
      (a plan, a re-plan, an infeasible month) validate against
      MonthResult and of `peerplan match` against MatchResult.

Needs python3-yaml and python3-jsonschema (contrib/install-deps.sh).
"""

import glob
import json
import os
import re
import subprocess
import sys

import jsonschema
import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TOP_KEYS = {"openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks",
            "components", "security", "tags", "externalDocs"}
PATH_ITEM_KEYS = {"$ref", "summary", "description", "servers", "parameters"} | set(METHODS)
OPERATION_KEYS = {"tags", "summary", "description", "externalDocs", "operationId",
                  "parameters", "requestBody", "responses", "callbacks", "deprecated",
                  "security", "servers"}
COMPONENT_KEYS = {"schemas", "responses", "parameters", "examples", "requestBodies",
                  "headers", "securitySchemes", "links", "callbacks", "pathItems"}
PARAM_IN = {"query", "header", "path", "cookie"}

findings = []


def fail(msg):
    findings.append(msg)


def known_keys(obj, allowed, where):
    """Every key of obj is allowed or an x- extension."""
    for k in obj:
        if k not in allowed and not str(k).startswith("x-"):
            fail("%s: unknown key '%s'" % (where, k))


# ---------------------------------------------------------------- (a) routes

ENTRY = re.compile(r'\{\s*EVHTTP_REQ_(\w+)\s*,\s*"([^"]*)"\s*,\s*([^,{}]+?)\s*,\s*(\w+)\s*,'
                   r'\s*"([^"]*)"\s*\}')
TABLE = re.compile(r'struct\s+route\s+\w+\s*\[\s*\]\s*=\s*\{(.*?)\n\s*\}\s*;', re.S)
DEFINE = re.compile(r'^\s*#\s*define\s+(\w+)\s+(.+?)\s*$', re.M)


def role_names(root):
    """The role names of daemon/auth.c, in bit order."""
    src = open(os.path.join(root, "daemon", "auth.c")).read()
    m = re.search(r'auth_role_names\s*\[[^\]]*\]\s*=\s*\{([^}]*)\}', src)
    if m is None:
        fail("daemon/auth.c: auth_role_names[] not found")
        return []
    return re.findall(r'"([^"]+)"', m.group(1))


def route_roles(expr, defines, names, where):
    """The role names of a roles expression (`R_SCHED | R_VIEW`, `0`)."""
    out = set()
    for tok in (t.strip() for t in expr.split("|")):
        seen = set()
        while tok in defines and tok not in seen:  # R_VIEW -> ROLE_VIEWER
            seen.add(tok)
            tok = defines[tok].strip("() ")
        if tok == "0":
            continue
        m = re.fullmatch(r'ROLE_(\w+)', tok)
        if m is None or m.group(1).lower() not in names:
            fail("%s: cannot read the role '%s'" % (where, tok))
            continue
        out.add(m.group(1).lower())
    return out


def table_routes(root):
    """{(METHOD, pattern): (roles, name, where)} of every route table in
    daemon/*.c; a row that ENTRY cannot read is a finding."""
    names = role_names(root)
    routes = {}
    if not names:
        return routes  # every role would be a finding of its own
    for path in sorted(glob.glob(os.path.join(root, "daemon", "*.c"))):
        src = open(path).read()
        defines = {k: v for k, v in DEFINE.findall(src)}
        rel = os.path.relpath(path, root)
        for table in TABLE.finditer(src):
            body = table.group(1)
            rows = ENTRY.findall(body)
            if len(rows) != body.count("EVHTTP_REQ_"):
                fail("%s: %d route rows, of which only %d read as {method, pattern, roles, "
                     "handler, name}: update ENTRY in tests/openapi_check.py"
                     % (rel, body.count("EVHTTP_REQ_"), len(rows)))
            for method, pattern, roles, _handler, name in rows:
                key = (method, pattern)
                where = "%s: %s %s" % (rel, method, pattern)
                if key in routes:
                    fail("%s: a second row for the same route" % where)
                routes[key] = (route_roles(roles, defines, names, where), name, where)
    if not routes:
        fail("no route table read in daemon/*.c")
    return routes


def doc_routes(doc):
    """{(METHOD, pattern with {id}): (operation, path)} of DOC."""
    ops = {}
    for path, item in (doc.get("paths") or {}).items():
        norm = re.sub(r'\{[^}/]+\}', "{id}", path)
        for method in METHODS:
            if method in item:
                key = (method.upper(), norm)
                if key in ops:
                    fail("%s %s: the same route as %s" % (method.upper(), path, ops[key][1]))
                ops[key] = (item[method], path)
    return ops


def check_routes(doc, root):
    table = table_routes(root)
    if not table:
        return 0
    ops = doc_routes(doc)
    for key in sorted(set(table) - set(ops)):
        fail("%s: no operation in the OpenAPI document" % table[key][2])
    for key in sorted(set(ops) - set(table)):
        fail("%s %s: in the OpenAPI document but not in the route table" % (key[0], ops[key][1]))
    for key in sorted(set(table) & set(ops)):
        roles, name, where = table[key]
        op, path = ops[key]
        where = "%s %s" % (key[0], path)
        listed = op.get("x-peerplan-roles")
        if not isinstance(listed, list):
            fail("%s: no x-peerplan-roles list" % where)
        elif set(listed) != roles or len(listed) != len(roles):
            fail("%s: x-peerplan-roles %s, the route table says %s"
                 % (where, sorted(listed), sorted(roles)))
        if op.get("operationId") != name:
            fail("%s: operationId '%s', the route table's name is '%s'"
                 % (where, op.get("operationId"), name))
        m = re.search(r'Roles - ([a-z, ]+?)(?: \(|\.|$)', op.get("description", ""))
        said = set(m.group(1).split(", ")) - {"none"} if m else None
        if said != roles:
            fail("%s: the description %s; the route table says %s"
                 % (where, "says 'Roles - %s'" % m.group(1) if m else "gives no 'Roles - '",
                    ", ".join(sorted(roles)) or "none"))
        open_route = op.get("security") == []
        if open_route != (not roles):
            fail("%s: security %s, but the route needs %s"
                 % (where, op.get("security", "(the document's)"),
                    "a token" if roles else "no token"))
    return len(table)


# ---------------------------------------------------------------- (b) errors

def error_codes(root):
    src = open(os.path.join(root, "solver", "error.c")).read()
    return [n for n in re.findall(r'\[PP_\w+\]\s*=\s*"(\w+)"', src) if n != "ok"]


# ------------------------------------------------------------- (c) structure

def pointer(doc, ref):
    """The target of a local reference "#/a/b", or None."""
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def check_refs(doc, node, where):
    """Every "$ref" under node resolves to something in doc."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            if not isinstance(ref, str) or not ref.startswith("#/"):
                fail("%s: $ref %r is not a local reference" % (where, ref))
            elif pointer(doc, ref) is None:
                fail("%s: $ref '%s' does not resolve" % (where, ref))
        for k, v in node.items():
            check_refs(doc, v, "%s/%s" % (where, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_refs(doc, v, "%s/%d" % (where, i))


def deref(doc, obj):
    """obj, or what its $ref names (references of references followed)."""
    seen = 0
    while isinstance(obj, dict) and "$ref" in obj and seen < 16:
        obj = pointer(doc, obj["$ref"]) or {}
        seen += 1
    return obj


def check_parameters(doc, path, item, op, where):
    params = {}
    for p in list(item.get("parameters", [])) + list(op.get("parameters", [])):
        p = deref(doc, p)
        name, loc = p.get("name"), p.get("in")
        if not isinstance(name, str) or loc not in PARAM_IN:
            fail("%s: a parameter without a name or a valid 'in': %r" % (where, p))
            continue
        if ("schema" in p) == ("content" in p):
            fail("%s: parameter '%s' needs a schema or a content, not both" % (where, name))
        if loc == "path" and p.get("required") is not True:
            fail("%s: path parameter '%s' must be required: true" % (where, name))
        # an operation's parameter overrides the path item's of the same key
        params[(name, loc)] = p
    for p in op.get("parameters", []):
        p = deref(doc, p)
        if sum(1 for q in op["parameters"] if deref(doc, q).get("name") == p.get("name")
               and deref(doc, q).get("in") == p.get("in")) > 1:
            fail("%s: parameter '%s' declared twice" % (where, p.get("name")))
    templated = re.findall(r'\{([^}/]+)\}', path)
    if len(set(templated)) != len(templated):
        fail("%s: a path parameter name repeats in the template" % where)
    declared = {n for (n, loc) in params if loc == "path"}
    for n in templated:
        if n not in declared:
            fail("%s: path parameter '{%s}' is not declared" % (where, n))
    for n in declared - set(templated):
        fail("%s: path parameter '%s' is not in the path" % (where, n))


def check_media(doc, content, where):
    if not isinstance(content, dict) or not content:
        fail("%s: an empty content" % where)
        return
    for mt, media in content.items():
        if not re.fullmatch(r'[a-z*]+/[a-z0-9.+*-]+(\s*;\s*[a-z]+=[a-z0-9.-]+)*', mt):
            fail("%s: '%s' is not a media type" % (where, mt))
        if "schema" not in (media or {}):
            fail("%s %s: no schema" % (where, mt))


def check_responses(doc, op, where, error_ref):
    responses = op.get("responses")
    if not isinstance(responses, dict) or not responses:
        fail("%s: no responses" % where)
        return
    for status, r in responses.items():
        w = "%s -> %s" % (where, status)
        if not re.fullmatch(r'[1-5]([0-9][0-9]|XX)|default', str(status)):
            fail("%s: not a status code" % w)
        r = deref(doc, r)
        if not isinstance(r.get("description"), str):
            fail("%s: a response needs a description" % w)
        if "content" in r:
            check_media(doc, r["content"], w)
        for h, hv in (r.get("headers") or {}).items():
            hv = deref(doc, hv)
            if ("schema" in hv) == ("content" in hv):
                fail("%s: header %s needs a schema or a content" % (w, h))
        if str(status)[0] in "45":
            schema = ((r.get("content") or {}).get("application/json") or {}).get("schema")
            if schema != {"$ref": error_ref}:
                fail("%s: an error reply must be application/json with the Error schema" % w)


def check_structure(doc, root):
    known_keys(doc, TOP_KEYS, "document")
    if not str(doc.get("openapi", "")).startswith("3.1."):
        fail("openapi must be 3.1.x, not %r" % doc.get("openapi"))
    info = doc.get("info") or {}
    if not info.get("title") or not info.get("version"):
        fail("info needs a title and a version")
    m = re.search(r'project\(\s*\w+\s+VERSION\s+([0-9.]+)',
                  open(os.path.join(root, "CMakeLists.txt")).read())
    if m and info.get("version") != m.group(1):
        fail("info.version %r, the project's version (CMakeLists.txt) is %s"
             % (info.get("version"), m.group(1)))
    check_refs(doc, doc, "#")
    components = doc.get("components") or {}
    known_keys(components, COMPONENT_KEYS, "components")
    schemes = set((components.get("securitySchemes") or {}).keys())
    tags = {t.get("name") for t in doc.get("tags", [])}

    def check_security(sec, where):
        if not isinstance(sec, list):
            fail("%s: security must be a list" % where)
            return
        for req in sec:
            for name in req:
                if name not in schemes:
                    fail("%s: security names the unknown scheme '%s'" % (where, name))

    check_security(doc.get("security", []), "document")
    error_ref = "#/components/schemas/Error"
    seen_ids = {}
    templates = {}
    for path, item in (doc.get("paths") or {}).items():
        if not path.startswith("/"):
            fail("path '%s' must start with /" % path)
        shape = re.sub(r'\{[^}/]+\}', "{}", path)
        if shape in templates:
            fail("paths '%s' and '%s' are the same template" % (templates[shape], path))
        templates[shape] = path
        known_keys(item, PATH_ITEM_KEYS, path)
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            where = "%s %s" % (method.upper(), path)
            known_keys(op, OPERATION_KEYS, where)
            oid = op.get("operationId")
            if not oid:
                fail("%s: no operationId" % where)
            elif oid in seen_ids:
                fail("%s: operationId '%s' also names %s" % (where, oid, seen_ids[oid]))
            else:
                seen_ids[oid] = where
            for t in op.get("tags", []):
                if t not in tags:
                    fail("%s: tag '%s' is not declared" % (where, t))
            if "security" in op:
                check_security(op["security"], where)
            check_parameters(doc, path, item, op, where)
            if "requestBody" in op:
                body = deref(doc, op["requestBody"])
                check_media(doc, body.get("content"), where + " requestBody")
            check_responses(doc, op, where, error_ref)
    error = pointer(doc, error_ref)
    codes = error_codes(root)
    enum = (((error or {}).get("properties") or {}).get("error") or {}) \
        .get("properties", {}).get("code", {}).get("enum") or []
    if enum[:len(codes)] != codes:
        fail("Error: the code enum must start with solver/error.c's names %s, not %s"
             % (codes, enum[:len(codes)]))
    daemon = "".join(open(p).read() for p in glob.glob(os.path.join(root, "daemon", "*.c")))
    for extra in enum[len(codes):]:
        if '"%s"' % extra not in daemon:
            fail("Error: code '%s' is neither solver/error.c's nor written in daemon/*.c" % extra)


# ------------------------------------------------------------- (d) schemas

def validator(doc, name):
    """A validator of components.schemas[name] whose local $refs resolve
    inside the document (the root schema carries the components)."""
    return jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/" + name, "components": doc["components"]})


def check_instance(doc, name, instance, what):
    errors = sorted(validator(doc, name).iter_errors(instance), key=lambda e: list(e.path))
    for e in errors[:3]:
        fail("%s against %s: at %s: %s"
             % (what, name, "/".join(str(p) for p in e.absolute_path) or "(top)",
                e.message[:300]))
    return not errors


def check_schemas(doc, root, peerplan):
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            fail("components.schemas.%s is not a JSON Schema 2020-12: %s" % (name, e.message))
    ex = os.path.join(root, "contrib", "examples")
    months = sorted(glob.glob(os.path.join(ex, "month-*.json")) +
                    glob.glob(os.path.join(ex, "replan-*.json")) +
                    glob.glob(os.path.join(ex, "realistic", "month-*.json")))
    months = [m for m in months if not m.endswith(".optimum.json")]
    for case in sorted(glob.glob(os.path.join(root, "tests", "cases", "*", "input.json"))):
        expected = json.load(open(os.path.join(os.path.dirname(case), "expected.json")))
        if expected.get("exit", 0) != 2:
            months.append(case)
    for path in months:
        check_instance(doc, "MonthDocument", json.load(open(path)), os.path.relpath(path, root))
    batch = os.path.join(ex, "match-30x6.json")
    check_instance(doc, "MatchBatch", json.load(open(batch)), os.path.relpath(batch, root))
    if len(months) < 10:
        fail("only %d example months found under %s" % (len(months), root))
    if peerplan is None:
        return len(months) + 1
    runs = [(["solve", os.path.join(ex, "month-agency-40.json")], "MonthResult"),
            (["solve", os.path.join(ex, "replan-agency-40.json")], "MonthResult"),
            (["solve", os.path.join(ex, "month-infeasible.json")], "MonthResult"),
            (["match", batch], "MatchResult")]
    for args, name in runs:
        p = subprocess.run([peerplan] + args, capture_output=True, text=True, timeout=300)
        what = "peerplan %s %s" % (args[0], os.path.basename(args[1]))
        try:
            out = json.loads(p.stdout)
        except ValueError:
            fail("%s: exit %d, no JSON: %s" % (what, p.returncode, p.stderr[:300]))
            continue
        check_instance(doc, name, out, what)
        if name == "MonthResult" and out.get("status") == "infeasible" and "conflicts" not in out:
            fail("%s: infeasible without conflicts" % what)
    return len(months) + 1 + len(runs)


def main(argv):
    args = argv[1:]
    peerplan = None
    if "--peerplan" in args:
        i = args.index("--peerplan")
        peerplan = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 64
    doc_path, root = args
    with open(doc_path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict):
        print("FAIL: %s is not a YAML mapping" % doc_path)
        return 1
    nroutes = check_routes(doc, root)
    check_structure(doc, root)
    ndocs = check_schemas(doc, root, peerplan)
    for msg in findings:
        print("FAIL: " + msg)
    if findings:
        print("%d finding(s) in %s" % (len(findings), doc_path))
        return 1
    print("ok: %d routes, each with one operation of the same roles; %d schemas; "
          "%d documents validated" % (nroutes, len(doc["components"]["schemas"]), ndocs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
