"""`make audit-deps`: pip-audit over the installed environment, honest about what it checked.

Outcomes (issue 12, item 11; docs/security.md):
- a known vulnerability in any installed package: the list, exit 1 (CI fails);
- the advisory source (PyPI's JSON API by default, OSV with AUDIT_SERVICE=osv) unreachable,
  or answering for none of the packages: a WARNING that the audit could not run, exit 0; it
  never says "no known vulnerabilities" then;
- some packages audited, others not: the audited count, and a WARNING naming the rest;
- pip-audit failing for another reason: its error, exit 2.

Run with the project's interpreter: `.venv/bin/python .ci/audit_deps.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

NETWORK_ERRORS = (
    "ConnectionError",
    "Max retries exceeded",
    "NameResolutionError",
    "Failed to resolve",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Connection refused",
    "timed out",
    "ReadTimeout",
    "ConnectTimeout",
    "SSLError",
    "ServiceError",
)

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def command(service: str, output: Path) -> list[str]:
    return [
        sys.executable, "-m", "pip_audit", "--local", "--skip-editable",
        "--progress-spinner", "off", "--vulnerability-service", service,
        "--format", "json", "--output", str(output),
    ]  # fmt: skip


def audit(*, service: str = "pypi", run: Runner = _run, out=sys.stdout) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        result = run(command(service, report_path))
        text = report_path.read_text() if report_path.exists() else ""
    try:
        report = json.loads(text) if text else None
    except json.JSONDecodeError:
        report = None
    source = {"pypi": "PyPI", "osv": "OSV"}.get(service, service)

    if report is None:
        stderr = result.stderr or ""
        if any(marker in stderr for marker in NETWORK_ERRORS):
            last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            print(
                f"WARNING: the dependency audit could not run: {source}'s advisory database "
                f"is unreachable ({last[:300]}). The dependencies were NOT checked for known "
                "vulnerabilities.",
                file=out,
            )
            return 0
        print(f"ERROR: pip-audit failed (exit {result.returncode}):\n{stderr}", file=out)
        return 2

    # The project itself is installed editable: it is ours, not a published dependency.
    dependencies = [
        d for d in report.get("dependencies", []) if "editable" not in d.get("skip_reason", "")
    ]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if vulnerable:
        print(f"pip-audit: known vulnerabilities in {len(vulnerable)} package(s):", file=out)
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
                print(f"  {dep['name']} {dep.get('version', '')}: {vuln['id']} (fix: {fixes})",
                      file=out)  # fmt: skip
        return 1
    if not audited:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        print(
            f"WARNING: the dependency audit could not run: {source} answered for none of the "
            f"{len(skipped)} installed packages ({'; '.join(reasons) or 'no packages found'}). "
            "The dependencies were NOT checked for known vulnerabilities.",
            file=out,
        )
        return 0
    if skipped:
        names = ", ".join(sorted(d["name"] for d in skipped))
        print(f"WARNING: {len(skipped)} package(s) could not be audited: {names}", file=out)
    print(
        f"pip-audit: {len(audited)} package(s) audited against {source}: "
        "no known vulnerabilities among them.",
        file=out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(audit(service=os.environ.get("AUDIT_SERVICE", "pypi")))
