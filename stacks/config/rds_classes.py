"""What RDS offers on which instance class, as far as the configuration has to know it (committed, not looked up).

Performance Insights (since 2026 the Standard mode of CloudWatch Database Insights, the same API) is not offered on
the smallest burstable classes. Source: "Amazon RDS DB engine, Region, and instance class support for Database
Insights", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DatabaseInsights.Engines.html (read
2026-11-29: the MariaDB and MySQL rows list exactly these classes; the PostgreSQL row was not legible in the excerpt
read, so the same list is applied: refusing Performance Insights on a class that might offer it costs nothing,
asking for it where it is not offered fails the deployment). Classes are written without the `db.` prefix, as in
cdk.json.
"""

from __future__ import annotations

PERFORMANCE_INSIGHTS_UNSUPPORTED = frozenset({"t2.micro", "t2.small", "t3.micro", "t3.small", "t4g.micro", "t4g.small"})
