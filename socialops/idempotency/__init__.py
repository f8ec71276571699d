"""Idempotency-Key for every POST under /api/v1/ (docs/idempotency.md): one middleware, one
table. It sits below the apps beside the audit log: it imports none of them."""
