"""Benchmarks (``make bench``): run against a throwaway PostgreSQL cluster, never part of the service image."""
