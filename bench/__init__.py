"""Benchmarks: `make bench` prints the figures the issues set targets for."""
