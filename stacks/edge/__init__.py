"""What stands between the internet and the load balancer."""
