"""Upload tickets: the rules an upload must keep, and the URL and form fields that carry them to the client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

# The object tag every ticket requires (form field ``tagging``): an upload that never completes keeps it, and the
# bucket's lifecycle rule removes such objects after two days. Completing re-tags the object ``upload=complete``.
UPLOAD_TAG = "upload"
PENDING = "pending"
COMPLETE = "complete"

CSV_CONTENT_TYPE = "text/csv"
GZIP_CONTENT_TYPE = "application/gzip"


def tag_set_xml(tags: dict[str, str]) -> str:
    """The XML S3 expects in a POST's ``tagging`` field."""
    body = "".join(f"<Tag><Key>{escape(key)}</Key><Value>{escape(value)}</Value></Tag>" for key, value in tags.items())
    return f"<Tagging><TagSet>{body}</TagSet></Tagging>"


PENDING_TAGGING = tag_set_xml({UPLOAD_TAG: PENDING})


@dataclass(frozen=True, kw_only=True)
class UploadRules:
    """What one upload must keep: at least one byte and at most ``max_bytes``, the content type, the tag, and the
    deadline (``expires_in`` seconds from now)."""

    max_bytes: int
    content_type: str
    expires_in: int
    tagging: str = PENDING_TAGGING

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or self.expires_in < 1:
            raise ValueError(f"an upload needs max_bytes >= 1 and expires_in >= 1, got {self}")


@dataclass(frozen=True)
class UploadTicket:
    """POST ``multipart/form-data`` to ``url`` with every field of ``fields`` first and the file last as ``file``."""

    url: str
    fields: dict[str, str]
    expires_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {"url": self.url, "fields": dict(self.fields), "expires_at": self.expires_at.isoformat()}


def content_type_for(file_name: str) -> str:
    """The content type a ticket fixes: the name only chooses it (the scorer recognises gzip by its bytes)."""
    return GZIP_CONTENT_TYPE if file_name.lower().endswith(".gz") else CSV_CONTENT_TYPE
