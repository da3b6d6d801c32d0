"""Detection: a registry of explained patterns and the jobs that run them."""
