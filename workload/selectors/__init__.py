"""Reads of workload data: My week, after-hours time, scoring inputs, scores, dashboards."""
