"""Files that clients upload straight to storage, never through a web request: upload tickets, the objects they
create, and the service's own upload endpoint that stands in for S3 when no bucket is configured.

A ticket is what S3 calls a presigned POST: a URL and form fields that allow one upload of one object (a fixed
key, a size range, a content type, a required tag) until it expires. With a bucket (``SUBMISSIONS_BUCKET``) the
ticket is S3's own; without one (local development, tests) it points at ``/api/v1/uploads/<signed token>/``, which
accepts exactly the same form and enforces the same rules, storing through Django's storage. A client written
against the API works unchanged against both (``stores.object_store``).
"""
