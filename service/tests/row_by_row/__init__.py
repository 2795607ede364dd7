"""The previous release's row-by-row parsers, metrics and scorer, kept only as the oracle of the scoring engine's
parity tests (``tests/scoring_oracle.py``) and the benchmark's side-by-side figures. The service itself validates
and scores with ``scoring/`` alone."""
