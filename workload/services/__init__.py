"""Writes of workload data: task logs, pulse answers, recomputed scores and staffing, jobs."""
