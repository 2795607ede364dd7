"""The file's side of a submission: its size and SHA-256 (read once, in chunks), and its upload to the ticket's URL.

The upload goes straight to the storage (S3, or locally the service's own signed endpoint): the form fields of the
ticket carry the signature, so the API token is never sent there.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from .api import USER_AGENT, Response, send, service_error
from .errors import SubmissionRefused, UnexpectedAnswer, UsageError
from .multipart import CHUNK_BYTES, MultipartForm
from .progress import ProgressBar

UPLOAD_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class LocalFile:
    path: Path
    name: str
    size: int
    sha256: str

    @classmethod
    def read(cls, path: Path) -> LocalFile:
        if not path.is_file():
            raise UsageError(f"{path} is not a file")
        digest = hashlib.sha256()
        size = 0
        try:
            with path.open("rb") as source:
                while chunk := source.read(CHUNK_BYTES):
                    digest.update(chunk)
                    size += len(chunk)
        except OSError as error:
            raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
        return cls(path=path, name=path.name, size=size, sha256=digest.hexdigest())


@dataclass(frozen=True)
class Ticket:
    url: str
    fields: dict[str, str]
    expires_at: str

    @classmethod
    def from_submission(cls, submission: Mapping[str, Any], *, service_url: str) -> Ticket:
        """The ticket of a new submission; a URL without a host is the service's own (its local upload endpoint)."""
        upload = submission.get("upload")
        if not isinstance(upload, dict) or not isinstance(upload.get("url"), str):
            raise UnexpectedAnswer("the service's answer has no upload ticket: is it an older version of the platform?")
        fields = upload.get("fields") or {}
        if not isinstance(fields, dict):
            raise UnexpectedAnswer("the upload ticket's fields are not an object")
        url = urljoin(f"{service_url}/", upload["url"])
        return cls(url, {str(k): str(v) for k, v in fields.items()}, str(upload.get("expires_at", "")))


def storage_refusal(response: Response) -> SubmissionRefused:
    """What the storage said: S3's XML (``<Code>``, ``<Message>``) or the service's JSON error shape."""
    text = response.body.decode("utf-8", "replace")
    code, message = re.search(r"<Code>(.*?)</Code>", text), re.search(r"<Message>(.*?)</Message>", text)
    if code or message:
        said = f"{code.group(1) if code else 'Error'}: {message.group(1) if message else 'no message'}"
    else:
        said = service_error(response).describe()
    return SubmissionRefused(f"the upload was refused (HTTP {response.status}): {said}")


def upload_file(
    ticket: Ticket,
    local: LocalFile,
    *,
    progress: ProgressBar | None,
    transport: Callable[..., Response] = send,
) -> None:
    """POST the ticket's fields and then the file, streamed, to the ticket's URL; 2xx is success (S3 answers 204)."""
    form = MultipartForm.for_file(ticket.fields, local.path, local.name)
    if progress is not None:
        progress.update(0)
    report = progress.update if progress is not None else (lambda sent: None)
    headers = {
        "Content-Type": form.content_type,
        "Content-Length": str(form.content_length),
        "User-Agent": USER_AGENT,
    }
    try:
        response = transport(
            ticket.url, method="POST", headers=headers, body=form.chunks(report), timeout=UPLOAD_TIMEOUT_SECONDS
        )
    finally:
        if progress is not None:
            progress.finish()
    if not 200 <= response.status < 300:
        raise storage_refusal(response)
