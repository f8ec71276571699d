"""The workload JSON API: task logs, scores and recompute jobs, staffing, the pulse."""
