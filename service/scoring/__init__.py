"""The scoring engine: validate a predictions file against a ground truth and score it, columnar.

Django-free on purpose (imports neither Django nor an app of the service): the web tier, the scoring worker and
the benchmark use it alike. Files are parsed with polars into columns, their structure (records, field counts,
line numbers) is found with numpy over the raw bytes, and metrics are numpy reductions; memory grows with the
columns, never with Python objects per row. Validation keeps the rules and the "line N: reason" messages of the
row-by-row parsers (``competitions/csv_files.py``, ``ground_truth.py``, ``submissions/predictions.py``).

Entry points: ``parse_ground_truth``, ``write_ground_truth``/``read_ground_truth`` (Parquet),
``GroundTruthCache``, ``score_predictions``.
"""
