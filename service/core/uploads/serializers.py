"""The JSON of upload tickets: the client's request and the ticket in a response."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from .declared import ACCEPTED_SUFFIXES, DeclaredUpload


class UploadRequestSerializer(serializers.Serializer[Any]):
    """A subclass names the setting that bounds ``size_bytes``; a view may pass the limit itself in the context as
    ``max_bytes`` (a competition's own, the one its ticket and completion use)."""

    max_bytes_setting: ClassVar[str] = "SUBMISSION_MAX_BYTES"

    file_name = serializers.CharField(
        max_length=255, help_text="The file's name: it must end with .csv or .csv.gz (gzip-compressed CSV)."
    )
    size_bytes = serializers.IntegerField(min_value=1, help_text="The file's size in bytes.")
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        required=False,
        allow_blank=True,
        help_text="Optional SHA-256 of the file (64 hex digits); a file that does not match is refused.",
    )

    def validate_file_name(self, value: str) -> str:
        if not value.lower().endswith(ACCEPTED_SUFFIXES):
            raise serializers.ValidationError("must end with .csv or .csv.gz")
        return value

    def validate_size_bytes(self, value: int) -> int:
        limit: int = self.context.get("max_bytes") or getattr(settings, self.max_bytes_setting)
        if value > limit:
            raise serializers.ValidationError(f"must be at most {limit} bytes ({self.max_bytes_setting})")
        return value

    def declared(self) -> DeclaredUpload:
        data = self.validated_data
        return DeclaredUpload(
            file_name=data["file_name"], size_bytes=data["size_bytes"], sha256=data.get("sha256", "").lower()
        )


class UploadTicketSerializer(serializers.Serializer[Any]):
    url = serializers.CharField(help_text="Where to POST the upload (S3, or this service's own upload endpoint).")
    fields = serializers.DictField(  # type: ignore[assignment] # the ticket's member is named like S3's
        child=serializers.CharField(), help_text="Form fields to send first, unchanged, before the file (as `file`)."
    )
    expires_at = serializers.DateTimeField(help_text="The ticket cannot be used after this moment.")


def file_or_ticket_schema(
    *,
    created: str,
    multipart: type[serializers.Serializer[Any]],
    ticket_request: type[serializers.Serializer[Any]],
    results: list[serializers.Serializer[Any]],
) -> dict[str, Any]:
    """The request and 201 of an endpoint that takes a small file (multipart) or a ticket request (JSON): for
    ``core.openapi.change_schema``; the 201 is one of ``results`` (component ``created``)."""
    return {
        "request": {"multipart/form-data": multipart, "application/json": ticket_request},
        "success": {
            201: PolymorphicProxySerializer(component_name=created, serializers=results, resource_type_field_name=None)
        },
    }
