"""Issue 10's scoring path in AWS: the scoring queue and its dead-letter queue (queue.py), the worker service that
takes from it (workers.py) and its scaling on the backlog (backlog_scaling.py). New infrastructure: real constructs
with ids of their own, composed in the Service stack (stacks/service/stack.py)."""
