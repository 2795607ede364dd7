"""The scoring engine: validate a predictions file against a ground truth and score it, columnar.

Django-free on purpose (imports neither Django nor an app of the service; service/.importlinter enforces it): the
web tier, the scoring worker and the benchmark use it alike. Files are parsed with polars into columns, their
structure (records, field counts, line numbers) is found with numpy over the raw bytes, and metrics are numpy
reductions; memory grows with the columns, never with Python objects per row. Validation keeps the rules and the
"line N: reason" messages of the previous release's row-by-row parsers (kept as the parity tests' oracle in
``tests/row_by_row/``).

How the service uses it::

    limits = SizeLimits(max_bytes=settings.SUBMISSION_MAX_BYTES, max_decompressed_bytes=...)
    truth = parse_ground_truth(upload, Metric(competition.metric), limits)  # CsvProblem(line, reason) if invalid
    write_ground_truth(truth, parquet_sink)         # truth.summary.as_dict() goes to the database
    cache = GroundTruthCache(max_entries=8)         # one per worker process
    truth = cache.get(competition.pk, version, lambda: read_ground_truth(parquet_body))
    scores = score_predictions(predictions_body, truth, limits)  # Scores(public, private), or CsvProblem

polars allocates with jemalloc and keeps freed pages for up to 1.5 s by default; a worker that must stay within
a memory limit runs with ``_RJEM_MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0`` (see
``benchmarks/SCORING_RESULTS.md``).
"""
