"""Which uploads view a storage gets: S3's (presigned POSTs, tags) or the local stand-in."""

from __future__ import annotations

from django.core.files.storage import storages
from storages.backends.s3 import S3Storage

from .local_objects import LocalObjectStore
from .objects import ObjectStore
from .s3_objects import S3ObjectStore


def object_store(alias: str) -> ObjectStore:
    """The uploads view of ``STORAGES[alias]``."""
    storage = storages[alias]
    if isinstance(storage, S3Storage):
        return S3ObjectStore(storage)
    return LocalObjectStore(alias, storage)
