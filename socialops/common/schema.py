"""OpenAPI: the error answers every operation can give, documented once (issue 12, item 2).

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) that adds
to each operation under /api/ the error statuses the API really sends, with their bodies, so
that schemathesis can hold every response to the schema:

- 400 `ValidationError`: a request the API refuses (field → messages, or a list of messages);
- 401 (not signed in, or an expired token), 403 (signed in without the right, or a missing
  CSRF token), 404 (unknown or out of scope, a page past the last), 429 (throttled):
  `ErrorDetail`, `{"detail": "..."}`;
- 409 (a conflict with the current state; field → messages, like 400);
- on operations with a body, 413 (over DATA_UPLOAD_MAX_MEMORY_SIZE or nested too deep)
  and 415 (a content type the operation does not parse).

Answers a view declares itself (`@extend_schema(responses=...)`) are kept as they are.

Times of day: the API writes them as "HH:MM" and reads "HH:MM" or "HH:MM:SS"
(REST_FRAMEWORK TIME_FORMAT / TIME_INPUT_FORMATS), which OpenAPI's `format: time` (RFC 3339,
seconds required) does not describe; `times_as_hh_mm` documents them with a pattern instead.
"""

from __future__ import annotations

from typing import Any

_PREFIX = "/api/"
_METHODS = ("get", "post", "put", "patch", "delete")
# Operations anyone may call: no 401 to document.
_ANONYMOUS = {"/api/v1/auth/token/"}

_DETAIL = {
    "type": "object",
    "description": "An error with one message.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_VALIDATION = {
    "description": (
        "Why the request was refused: each field (or `non_field_errors`, or `detail`) with "
        "its messages, or a list of messages."
    ),
    "anyOf": [
        {"type": "object", "additionalProperties": True},
        {"type": "array", "items": {}},
    ],
}
_COMPONENTS = {"ErrorDetail": _DETAIL, "ValidationError": _VALIDATION}

_ALWAYS = {
    "400": ("ValidationError", "The request was refused; nothing changed."),
    "401": ("ErrorDetail", "Not signed in, or the token has expired or been revoked."),
    "403": ("ErrorDetail", "Signed in without the right to do this, or no CSRF token."),
    "404": ("ErrorDetail", "Not found, or outside what the caller may see."),
    "429": ("ErrorDetail", "Too many requests: try again after `Retry-After` seconds."),
}
_WRITES = {"409": ("ValidationError", "Conflicts with the current state; nothing changed.")}
_BODY = {
    "413": ("ErrorDetail", "The body is too large or nested too deep."),
    "415": ("ErrorDetail", "The body's content type is not one the operation reads."),
}


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def times_as_hh_mm(result, generator, request, public):
    for node in _walk(result):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node["pattern"] = TIME_PATTERN
            node.setdefault("example", "09:00")
    return result


def _answer(component: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, body in _COMPONENTS.items():
        schemas.setdefault(name, body)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith(_PREFIX):
            continue
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            answers = dict(_ALWAYS)
            if path in _ANONYMOUS:
                del answers["401"]
            if method != "get":
                answers.update(_WRITES)
            if "requestBody" in operation:
                answers.update(_BODY)
            responses = operation.setdefault("responses", {})
            for status, (component, description) in answers.items():
                responses.setdefault(status, _answer(component, description))
    return result
