"""PostgreSQL backend that picks up rotated credentials (see ``base.py``)."""
