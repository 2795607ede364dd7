"""The service's own upload endpoint, standing in for S3 when no bucket is configured (local development, tests).

It accepts exactly the form of S3's presigned POST (the ticket's fields first, the file last as ``file``) and
enforces what S3's policy would: the signed token is the credential (no API token), it expires, the fields must be
the ticket's and nothing else, and the file must hold 1 to ``max_bytes`` bytes. A body longer than that is refused
before it is read (``Content-Length``) or as soon as it passes the limit (a streaming upload handler). Success is a
204 with no body, as S3 answers by default. One difference: S3 keeps every upload with a ticket as a version and a
completion pins the one it checked; local storage keeps no versions, so a second upload to the name is refused
(409 ``upload_exists``) and a completed file can never be replaced. Never registered in the OpenAPI schema: clients
use the URL a ticket gives, never this path.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ..error_shape import error_response
from ..errors import NotFound
from .local_objects import LocalObjectStore, LocalTicketPolicy
from .stores import object_store

# Room for the form's fields and part headers on top of the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
FILE_FIELD = "file"


class UploadRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class SizeCappedUploadHandler(FileUploadHandler):
    """Stops reading a file part as soon as it passes ``max_bytes`` (the rest of the body is discarded)."""

    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def too_large(policy: LocalTicketPolicy) -> UploadRefused:
    return UploadRefused(400, "upload_too_large", f"The file may hold at most {policy.max_bytes} bytes.")


def verified_policy(token: str) -> LocalTicketPolicy:
    try:
        policy = LocalTicketPolicy.from_token(token)
    except (signing.BadSignature, TypeError):
        raise UploadRefused(403, "upload_ticket_invalid", "The upload ticket is not valid.") from None
    if policy.expired:
        raise UploadRefused(403, "upload_ticket_expired", "The upload ticket has expired; ask for a new one.")
    return policy


def check_fields(policy: LocalTicketPolicy, posted: dict[str, str], file_fields: list[str]) -> None:
    """Exactly the ticket's fields with the ticket's values, and one file as ``file``: S3's policy check."""
    expected = policy.form_fields()
    extra = sorted(set(posted) - set(expected)) + sorted(set(file_fields) - {FILE_FIELD})
    if extra:
        raise UploadRefused(403, "upload_policy_mismatch", f"Fields the ticket does not allow: {', '.join(extra)}.")
    for name, value in expected.items():
        if posted.get(name) != value:
            raise UploadRefused(403, "upload_policy_mismatch", f"The field {name} is missing or not the ticket's.")
    if FILE_FIELD not in file_fields:
        raise UploadRefused(400, "upload_file_missing", "The form has no file (the field file, last).")


def receive(request: HttpRequest, policy: LocalTicketPolicy) -> UploadedFile[Any]:
    """The uploaded file, within the policy's size range."""
    declared = str(request.META.get("CONTENT_LENGTH") or "")
    if declared.isdigit() and int(declared) > policy.max_bytes + FORM_OVERHEAD_BYTES:
        raise too_large(policy)
    capped = SizeCappedUploadHandler(request, policy.max_bytes)
    request.upload_handlers = [capped, TemporaryFileUploadHandler(request)]
    try:
        posted = {name: request.POST.get(name, "") for name in request.POST}
        files = request.FILES
    except MultiPartParserError as exc:
        raise UploadRefused(400, "invalid", f"The form is not valid multipart/form-data ({exc}).") from None
    if capped.exceeded:
        raise too_large(policy)
    check_fields(policy, posted, list(files))
    upload = files.get(FILE_FIELD)
    if not isinstance(upload, UploadedFile) or not upload.size:
        raise UploadRefused(400, "upload_too_small", "The file is empty.")
    return upload


@method_decorator(csrf_exempt, name="dispatch")
class LocalUploadView(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            policy = verified_policy(token)
            store = object_store(policy.storage)
            if not isinstance(store, LocalObjectStore):
                raise UploadRefused(404, NotFound.default_code, NotFound.default_message)
            upload = receive(request, policy)
        except UploadRefused as refused:
            return error_response(refused.code, refused.message, refused.status)
        if store.storage.exists(policy.key):
            return upload_exists()
        stored = store.storage.save(policy.key, upload)
        if stored != policy.key:  # another upload with the ticket saved the name first: the storage chose another
            store.storage.delete(stored)
            return upload_exists()
        return HttpResponse(status=204)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The one error shape, as every other endpoint answers (Django's default is an empty 405)."""
        return error_response(
            "method_not_allowed",
            f"Method {request.method} is not allowed here; upload the form with POST.",
            405,
            details={"allowed": ["POST"]},
            headers={"Allow": "POST"},
        )


def upload_exists() -> HttpResponse:
    return error_response(
        "upload_exists",
        "A file was already uploaded with this ticket; ask for a new ticket to upload another file.",
        409,
    )
