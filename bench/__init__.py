"""Benchmarks: `make bench` writes figures as JSON in this folder."""
