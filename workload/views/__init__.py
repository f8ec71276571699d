"""The workload pages: My week, the pulse, the leader dashboards, My dashboard."""
