"""The API's JSON parser: size and nesting are checked before the JSON is parsed.

DRF's JSONParser hands the stream straight to `json.load`: a body nested 1,000 deep raises
RecursionError (a 500), and a body streamed to DRF (not read through `request.body`) escapes
DATA_UPLOAD_MAX_MEMORY_SIZE. This one reads at most the limit plus one byte (413 beyond it),
then counts the nesting of the raw text, strings skipped, and refuses more than
JSON_MAX_DEPTH levels (400), all before `json.loads` runs. On the token endpoint this
happens before the password is hashed.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import (  # type: ignore[attr-defined]  # absent from DRF's stubs
    JSONParser,
    get_encoding,  # DRF's own: refuses bytes-to-bytes codecs that inflate a body (bz2_codec)
)
from rest_framework.utils import json

DEFAULT_MAX_DEPTH = 32

# A JSON string, escapes included (its brackets are text, not structure). The closing quote
# is optional so that an unclosed string matches to the end instead of being retried from
# every later quote: one pass, no backtracking, whatever the input.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        super().__init__(_("Request body too large."))


def max_depth() -> int:
    return int(getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects in `text` nest deeper than `limit`: linear, in C loops, no
    parsing. Unbalanced or malformed text is left to the JSON parser to refuse."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0) > limit


def check_json_size(body: bytes) -> None:
    """Raise the API's 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and len(body) > limit:
        raise RequestTooLarge()


def check_json_depth(text: str) -> None:
    """Raise the API's 400 for JSON text nested deeper than JSON_MAX_DEPTH."""
    limit = max_depth()
    if json_depth_exceeds(text, limit):
        raise ParseError(
            _("JSON nested deeper than %(limit)d levels is not accepted.") % {"limit": limit}
        )


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        if stream is None:
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if limit is not None else stream.read()
        check_json_size(body)
        encoding = get_encoding(parser_context or {})
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        check_json_depth(text)
        try:
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
