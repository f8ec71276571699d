"""The audit log every app writes to: append-only, hash-chained (docs/governance.md "Audit log").

It sits below the apps (docs/architecture.md): teams, workload and governance import it; it
imports none of them.
"""
