"""Benchmarks: scripts to run by hand, not tests (see bench/README.md)."""
