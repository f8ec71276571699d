"""Benchmark: verify the audit chain of N events against a checkpoint (default 100,000).

    DATABASE_URL=postgres://... AUDIT_CHECKPOINT_KEY=bench DEBUG=1 SECRET_KEY=x \
        .venv/bin/python tests/benchmarks/audit_verify_bench.py [N]

Runs inside one transaction that is rolled back: nothing is left in the database (run it
against a migrated, empty test database)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialops.settings")
os.environ.setdefault("AUDIT_CHECKPOINT_KEY", "benchmark-only-key")


def main(n: int) -> None:
    # Django is imported here, once the settings module is chosen (as the other benchmarks do).
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from socialops.audit.checkpoints import (
        audit_checkpoint_write,
        checkpoint_claims,
        checkpoint_key,
    )
    from socialops.audit.models import AUDIT_GENESIS, AuditEvent
    from socialops.audit.selectors import audit_verify
    from socialops.audit.services import canonical_json, chain_hash

    with transaction.atomic():
        start = time.perf_counter()
        prev, now, rows = AUDIT_GENESIS, timezone.now(), []
        for i in range(n):
            data = {"i": i, "name": "Zoë"}
            digest = chain_hash(prev, canonical_json(
                at=now, actor=None, action="bench.event", target_type="channel",
                target_id=str(i), data=data))  # fmt: skip
            rows.append(AuditEvent(at=now, actor_display="system", action="bench.event",
                                   target_type="channel", target_id=str(i), data=data,
                                   prev_hash=prev, hash=digest))  # fmt: skip
            prev = digest
        AuditEvent.objects.bulk_create(rows, batch_size=5000)
        print(f"inserted {n} events in {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        audit_checkpoint_write()
        print(f"first checkpoint (all {n} displays) in {time.perf_counter() - start:.2f} s")
        claims, _ = checkpoint_claims()
        start = time.perf_counter()
        problems = list(audit_verify(checkpoints=claims, key=checkpoint_key()))
        print(f"verified {n} events against {len(claims)} checkpoint(s) in "
              f"{time.perf_counter() - start:.2f} s, problems: {len(problems)}")  # fmt: skip
        transaction.set_rollback(True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
