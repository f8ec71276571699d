"""Domain errors raised by services, and the one DRF handler that turns them into responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """A rule of the domain refused the request. `errors` maps field names to messages."""

    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, errors: Mapping[str, Sequence[object] | str | Promise] | str | Promise):
        # A lazily translated message (gettext_lazy) counts as one message, in the language
        # active when it is raised.
        if isinstance(errors, str | Promise):
            errors = {"non_field_errors": [str(errors)]}
        self.errors = {
            k: [str(v)] if isinstance(v, str | Promise) else list(v) for k, v in errors.items()
        }
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "; ".join(
            m if isinstance(m, str) else _brief(m) for msgs in self.errors.values() for m in msgs
        )


def _brief(detail: object) -> str:
    """A structured detail (e.g. a channel `{id, label}`) in a message: its label if any."""
    if isinstance(detail, Mapping) and "label" in detail:
        return str(detail["label"])
    return str(detail)


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    status_code = status.HTTP_409_CONFLICT


class OneMessageError(DomainError):
    """A refusal with one message and no field: answered as `{"detail": "..."}`, as DRF's own
    403 and 404 (the schema's ErrorDetail, socialops/common/schema.py)."""

    def __init__(self, message: str | Promise):
        super().__init__({"detail": [str(message)]})


class Forbidden(OneMessageError):
    """The caller can see the object but may not take this action (403)."""

    status_code = status.HTTP_403_FORBIDDEN


class NotFound(OneMessageError):
    """What the request names does not exist, or not for this caller (404)."""

    status_code = status.HTTP_404_NOT_FOUND


def exception_handler(exc, context):
    if isinstance(exc, OneMessageError):
        return Response({"detail": str(exc)}, status=exc.status_code)
    if isinstance(exc, DomainError):
        return Response(exc.errors, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        else:
            data = {"non_field_errors": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": _("Request body too large.")},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return drf_exception_handler(exc, context)
