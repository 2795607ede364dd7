"""The scoring worker: one unit of work (``scoring.score_submission``), the queue it comes from, and the loop.

* ``dispatch.enqueue`` sends a submission to be scored once the current transaction commits: to the SQS queue
  (``SCORING_QUEUE_URL``), or, with no queue configured, straight to ``in_process.run`` in the same process.
* ``sqs_loop.ScoringWorker`` is ``python manage.py run_scoring_worker``: a boto3 long-poll loop (README: why not
  Celery or django-tasks) with a heartbeat and a graceful stop on SIGTERM. It never reads the dead-letter queue.
* ``sweep.sweep`` is ``python manage.py sweep_scoring``: it sends lost messages again, turns the dead-letter queue's
  messages into ``failed`` submissions (``dead_letters``, the one place that does) and deletes expired tickets.
"""
