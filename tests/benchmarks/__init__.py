"""Standalone benchmarks, run as scripts (never collected by pytest): see docs/performance.md."""
