"""The OpenAPI 3.1 document of the REST/JSON API (``GET /api/v1/openapi.json``), generated from
the verb table and its routes (``rest_routes``): every path, its arguments with their types,
what each needs (the role, in words), the answers and the one shape of every error."""

from __future__ import annotations

import functools

from ovirt_node_config import __version__
from ovirt_node_config.verbs import rest_routes
from ovirt_node_config.verbs.rest_routes import PREFIX, Route

SCHEMAS = {
    "host": {"type": "string", "description": "a host name, an SMBIOS UUID or a unique short name"},
    "text": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "list": {"type": "array"},
    "struct": {"type": "object"},
    "value": {"description": "one of several types: the verb says which it takes"},
}
ERRORS = {
    "400": "a value is missing, unknown or wrong (the error names it)",
    "401": "no credentials, wrong ones, or a session that ended",
    "403": "the caller's role does not allow this (the error names the role needed)",
    "404": "no such node, network, template, ...",
    "409": "a rule refuses the change (the error names the rule)",
    "429": "too many failed logins: Retry-After says when to try again",
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
            },
        }
    },
}


@functools.cache
def document() -> dict:
    paths: dict[str, dict] = {}
    for route in rest_routes.routes():
        paths.setdefault(PREFIX + route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ovirt-node-config",
            "version": __version__,
            "description": "The administrators' verbs over JSON (docs/rest-api.md).",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "session": {"type": "http", "scheme": "bearer", "description": "a token from POST /sessions"},
            },
        },
        "security": [{"basic": []}, {"session": []}],
    }


def _operation(route: Route) -> dict:
    verb = route.verb
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in route.names
    ]
    rest = [arg for arg in verb.args if arg.name not in route.names]
    operation: dict = {
        "operationId": verb.name,
        "summary": verb.doc or verb.name.replace("_", " "),
        "description": f"Needs the {verb.role} role. {'Changes' if verb.changes else 'Reads'}; "
        f"XML-RPC: {verb.method}.",
    }
    if route.body_args:
        if rest:
            operation["requestBody"] = {
                "required": any(arg.required for arg in rest),
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {arg.name: SCHEMAS[arg.type] for arg in rest},
                            "required": [arg.name for arg in rest if arg.required],
                        }
                    }
                },
            }
    else:
        parameters += [
            {"name": arg.name, "in": "query", "required": arg.required, "schema": SCHEMAS[arg.type]}
            for arg in rest
        ]
    errors = dict(ERRORS)
    if verb.changes and verb.names_a_node:
        parameters += [
            {"name": "dry_run", "in": "query", "required": False, "schema": {"type": "boolean"},
             "description": "what the change would do, checked by every rule, then rolled back"},
            {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
             "description": "the node's ETag (GET /nodes/{host}): the change is made to that version only"},
        ]  # fmt: skip
        errors["412"] = "the node changed since the version If-Match named; nothing was done"
    if parameters:
        operation["parameters"] = parameters
    ok = "201" if route.method == "POST" and verb.changes else "200"
    operation["responses"] = {
        ok: {"description": "done: the verb's answer", "content": {"application/json": {"schema": {}}}},
        **{
            code: {
                "description": words,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            for code, words in errors.items()
        },
    }
    return operation
