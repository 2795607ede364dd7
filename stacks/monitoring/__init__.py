"""What operators see: the alarm topic, the alarms, the request-log metrics and the dashboard of an environment."""
