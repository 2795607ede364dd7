"""The platform's infrastructure: configuration, one stage per environment and its stacks."""
