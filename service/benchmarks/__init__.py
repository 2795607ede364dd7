"""Benchmarks (``make bench``) on a throwaway PostgreSQL cluster; never part of the service image."""
