"""`make audit-deps` (.ci/audit_deps.py): fails on a known vulnerability, warns — and never
claims "no known vulnerabilities" — when the advisory source cannot be asked."""

import importlib.util
import io
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "audit_deps.py"
spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
assert spec is not None and spec.loader is not None
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)

NOT_FOUND = "Dependency not found on PyPI and could not be audited: {} (1.0)"
EDITABLE = "distribution marked as editable"
OFFLINE = (
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): "
    "Max retries exceeded with url: /v1/query (Caused by NameResolutionError(...))"
)


def fake(report: dict | None, *, returncode: int = 0, stderr: str = ""):
    """A pip-audit stand-in: writes `report` where --output says, answers like pip-audit."""
    calls = []

    def run(command):
        calls.append(command)
        if report is not None:
            Path(command[command.index("--output") + 1]).write_text(json.dumps(report))
        return subprocess.CompletedProcess(command, returncode, "", stderr)

    run.calls = calls
    return run


def outcome(run, service="pypi"):
    out = io.StringIO()
    code = audit_deps.audit(service=service, run=run, out=out)
    return code, out.getvalue()


def test_a_known_vulnerability_fails():
    report = {"dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [
            {"id": "PYSEC-2026-1", "fix_versions": ["5.2.19"], "aliases": []}]},
        {"name": "redis", "version": "8.1.0", "vulns": []},
    ]}  # fmt: skip
    code, text = outcome(fake(report, returncode=1))
    assert code == 1
    assert "django 5.2.0: PYSEC-2026-1 (fix: 5.2.19)" in text
    assert "no known vulnerabilities" not in text


def test_clean_audit_passes_and_says_what_it_checked():
    report = {"dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {"name": "socialops", "skip_reason": EDITABLE},
    ]}  # fmt: skip
    code, text = outcome(fake(report))
    assert code == 0
    assert text.strip() == (
        "pip-audit: 1 package(s) audited against PyPI: no known vulnerabilities among them."
    )


def test_unreachable_source_warns_and_claims_nothing():
    code, text = outcome(fake(None, returncode=1, stderr="Traceback ...\n" + OFFLINE), "osv")
    assert code == 0
    assert text.startswith("WARNING: the dependency audit could not run: OSV's advisory")
    assert "NOT checked" in text and "no known vulnerabilities" not in text.lower()


def test_a_source_that_knows_no_package_is_not_a_clean_audit():
    """What this machine's PyPI mirror does: every per-version lookup is a 404, pip-audit
    skips every package and itself prints "No known vulnerabilities found"."""
    report = {"dependencies": [
        {"name": n, "skip_reason": NOT_FOUND.format(n)} for n in ("django", "celery", "redis")
    ] + [{"name": "socialops", "skip_reason": EDITABLE}]}  # fmt: skip
    code, text = outcome(fake(report))
    assert code == 0
    assert text.startswith("WARNING: the dependency audit could not run: PyPI answered for none")
    assert "3 installed packages" in text and "no known vulnerabilities" not in text.lower()


def test_partly_audited_names_what_was_skipped():
    report = {"dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {"name": "private-pkg", "skip_reason": NOT_FOUND.format("private-pkg")},
    ]}  # fmt: skip
    code, text = outcome(fake(report))
    assert code == 0
    assert "WARNING: 1 package(s) could not be audited: private-pkg" in text
    assert "1 package(s) audited against PyPI" in text


def test_another_failure_is_an_error():
    code, text = outcome(fake(None, returncode=2, stderr="pip-audit: error: bad flag"))
    assert code == 2 and "ERROR: pip-audit failed" in text


@pytest.mark.parametrize("service", ["pypi", "osv"])
def test_the_command_audits_the_installed_environment(service):
    run = fake({"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]})
    outcome(run, service)
    (command,) = run.calls
    assert command[1:3] == ["-m", "pip_audit"]
    assert "--local" in command and command[command.index("--vulnerability-service") + 1] == service
