"""OpenAPI: every POST under /api/v1/ documents the optional `Idempotency-Key` header and the
answers it adds (409 still running, 422 reused with another request). A drf-spectacular
postprocessing hook, so that no view has to repeat it."""

from __future__ import annotations

from socialops.idempotency.middleware import HEADER, MAX_KEY_LENGTH, PREFIX

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH, "minLength": 1},
    "description": (
        "Makes the POST safe to retry (docs/idempotency.md): within 7 days the same key with "
        "the same request by the same user on the same path replays the first response "
        "(header `Idempotent-Replayed: true`) and changes nothing more; 5xx answers are not "
        "stored. Over 255 characters: 400."
    ),
}
# Signing in is anonymous: a key is scoped to a user, so the middleware ignores it there.
_ANONYMOUS = {PREFIX + "auth/token/"}
_RESPONSES = {
    "409": "A request with this Idempotency-Key is still running.",
    "422": "This Idempotency-Key was used with another request.",
}


def add_idempotency_key(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        if not path.startswith(PREFIX) or path in _ANONYMOUS or "post" not in operations:
            continue
        operation = operations["post"]
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
            parameters.append(dict(_PARAMETER))
        responses = operation.setdefault("responses", {})
        for status, description in _RESPONSES.items():
            if status not in responses:
                responses[status] = {
                    "content": {"application/json": {"schema": dict(_DETAIL)}},
                    "description": description,
                }
    return result
