"""One mechanism for every POST under /api/v1/ that carries an `Idempotency-Key`
(docs/api.md, docs/idempotency.md).

Requests without the header, or that are not a POST to /api/v1/, go straight through: no
query, no body read. With the header: the user is resolved (session, or the DRF token the view
would accept); an anonymous request goes through untouched so the view answers 401. The key is
claimed as `running` in its own short transaction, the view runs, and its response is stored
(`done`) unless it is a 5xx or the view raised, in which case the claim is dropped so that a
retry runs again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.settings import api_settings

from socialops.common.parsers import json_depth_exceeds, max_depth
from socialops.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
PREFIX = "/api/v1/"
MAX_KEY_LENGTH = 255
MAX_PATH_LENGTH = 500
RETENTION = dt.timedelta(days=7)


def fingerprint_request(request: HttpRequest) -> str:
    """sha256 of the request as the contract compares it: JSON parsed and re-dumped with sorted
    keys; multipart by its sorted fields and each file's bytes; anything else by its bytes.

    Multipart is read through Django's parser (files stream to disk, never into `body`); DRF
    then reuses `request.POST`/`request.FILES`. Every other body is read once via
    `request.body`, which Django caches for DRF."""
    content_type = request.content_type or ""
    digest = hashlib.sha256()
    if content_type == "multipart/form-data":
        fields = sorted((k, v) for k in request.POST for v in request.POST.getlist(k))
        files = []
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                file_digest = hashlib.sha256()
                for chunk in upload.chunks():
                    file_digest.update(chunk)
                upload.seek(0)
                files.append([name, upload.name, file_digest.hexdigest()])
        canonical = json.dumps({"fields": fields, "files": files}, sort_keys=True)
        digest.update(b"multipart\0" + canonical.encode())
        return digest.hexdigest()
    body = request.body
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            text = body.decode() if body else "null"
            # Too deep to parse safely (the view's parser answers 400): compared by its bytes.
            if json_depth_exceeds(text, max_depth()):
                raise ValueError("too deep")
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            pass  # not JSON after all: compared by its bytes, and the view answers 400
        else:
            canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"))
            digest.update(b"json\0" + canonical.encode())
            return digest.hexdigest()
    digest.update(b"raw\0" + content_type.encode() + b"\0" + body)
    return digest.hexdigest()


def _user_of(request: HttpRequest):
    """The user the view would see: the session's, else the DRF token's; None if anonymous."""
    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "token":
        try:
            # The project's token class (teams.authentication, above this package) is the
            # first of DRF's authentication classes; TokenAuthentication's interface.
            token_class: Any = api_settings.DEFAULT_AUTHENTICATION_CLASSES[0]
            found = token_class().authenticate_credentials(key.strip())
        except AuthenticationFailed:
            return None
        if found is not None:
            return found[0]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body), status=record.status_code, content_type=record.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(PREFIX):
            return self.get_response(request)
        if len(request.path) > MAX_PATH_LENGTH:
            return self.get_response(request)  # no such route: the view answers 404
        user = _user_of(request)
        if user is None:
            return self.get_response(request)  # the view answers 401
        if not key or len(key) > MAX_KEY_LENGTH:
            return JsonResponse(
                {"detail": _("The Idempotency-Key header must be 1 to 255 characters long.")},
                status=400,
            )
        try:
            fingerprint = fingerprint_request(request)
        except RequestDataTooBig:
            return self.get_response(request)  # the view answers 413 as usual

        record, existing = _claim(user=user, method=request.method, path=request.path,
                                  key=key, fingerprint=fingerprint)  # fmt: skip
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                return JsonResponse(
                    {"detail": _("This Idempotency-Key was used with another request.")},
                    status=422,
                )
            if existing.state == IdempotencyRecord.State.RUNNING:
                return JsonResponse(
                    {"detail": _("A request with this Idempotency-Key is still running.")},
                    status=409,
                )
            return _replay(existing)

        assert record is not None
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or response.streaming:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            state=IdempotencyRecord.State.DONE,
            status_code=response.status_code,
            response_body=response.content,
            content_type=response.get("Content-Type", ""),
        )
        return response


def _claim(*, user, method: str, path: str, key: str, fingerprint: str):
    """(new record, None) when this request may run; (None, existing) when the key is taken.
    A record older than the retention period counts as absent: it is dropped and claimed anew.
    A replay costs one read; a first request a read and the insert (the unique constraint
    settles a race between two first requests)."""
    scope = IdempotencyRecord.objects.filter(user=user, method=method, path=path, key=key)
    for _attempt in range(3):
        existing = scope.first()
        if existing is not None:
            if existing.created_at >= timezone.now() - RETENTION:
                return None, existing
            scope.filter(pk=existing.pk).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, method=method, path=path, key=key,
                    request_fingerprint=fingerprint,
                )  # fmt: skip
            return record, None
        except IntegrityError:
            continue  # another request claimed it in between: read what it claimed
    raise RuntimeError("Idempotency-Key could not be claimed")  # only under a pathological race
