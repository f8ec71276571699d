"""The deployment files: Dockerfile, docker-compose.yml, .env.example and .dockerignore,
and `manage.py check --deploy` under production settings.

No database: these tests read files and run subprocesses. The compose file is checked at
the YAML level always, and by a real compose client's `config -q` when one is installed.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("web", "worker", "beat")
DATABASE_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# $$ (a literal $), ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error},
# ${NAME?error}, or $NAME: compose's interpolation syntax.
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def compose_text() -> str:
    return COMPOSE_FILE.read_text()


def compose() -> dict:
    return yaml.safe_load(compose_text())


def services() -> dict:
    return compose()["services"]


def compose_variables(text: str) -> set[str]:
    """Names of the variables a compose file interpolates ($$ is an escaped $, not one)."""
    return {
        m.group("braced") or m.group("bare")
        for m in _INTERPOLATION.finditer(text)
        if not m.group("escaped")
    }


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation, enough for this file: raises on a missing required value."""

    def replace(m: re.Match) -> str:
        if m.group("escaped"):
            return "$"
        name = m.group("braced") or m.group("bare")
        op, arg = m.group("op"), m.group("arg")
        value = env.get(name)
        missing = value is None or (value == "" and op is not None and op.startswith(":"))
        if op and op.endswith("?") and missing:
            raise ValueError(f"required variable {name} is missing a value: {arg}")
        if op and op.endswith("-") and missing:
            return arg
        return value or ""

    return _INTERPOLATION.sub(replace, text)


def parse_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
            values[key.strip()] = value.strip()
    return values


def env_example() -> dict[str, str]:
    return parse_env_file(ENV_EXAMPLE)


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def healthcheck_of(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def one_shot_services(all_services: dict) -> set[str]:
    """Services others wait on to finish (service_completed_successfully): no healthcheck."""
    return {
        name
        for service in all_services.values()
        for name, dep in (service.get("depends_on") or {}).items()
        if isinstance(dep, dict) and dep.get("condition") == "service_completed_successfully"
    }


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        pending = ""
    return instructions


def compose_client() -> list[str] | None:
    """`docker compose` if the plugin answers, else `docker-compose` if on PATH, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


# --- docker-compose.yml -------------------------------------------------------------------


def test_compose_has_the_services_on_the_pinned_images():
    all_services = services()
    assert {"db", "redis", *APP_SERVICES} <= set(all_services)
    assert "version" not in compose(), "the Compose spec has no version key"
    assert all_services["db"]["image"].startswith("postgres:16")
    assert all_services["redis"]["image"].startswith("redis:7")
    # The database lives in a named volume, not in the container.
    named_volumes = set(compose().get("volumes") or {})
    db_volume_sources = {v.split(":")[0] for v in all_services["db"].get("volumes", [])}
    assert db_volume_sources & named_volumes, "db needs a named volume"


def test_app_services_share_one_image_built_from_the_dockerfile():
    all_services = services()
    built = {name for name, service in all_services.items() if "build" in service}
    assert built, "some service must build the image"
    images = {all_services[name].get("image") for name in (*APP_SERVICES, *built)}
    assert len(images) == 1 and None not in images, f"one image for all roles: {images}"
    for name in built:
        build = all_services[name]["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
        assert context in (".", "./"), f"{name} builds from {context!r}"
        assert dockerfile in (None, "Dockerfile"), f"{name} builds {dockerfile!r}"


def test_every_long_running_service_has_a_healthcheck():
    all_services = services()
    one_shots = one_shot_services(all_services)
    for name in one_shots:
        assert str(all_services[name].get("restart", "no")) == "no", f"{name} is a one-shot"
    for name, service in all_services.items():
        if name in one_shots:
            continue
        healthcheck = service.get("healthcheck") or {}
        assert healthcheck.get("test") and not healthcheck.get("disable"), (
            f"{name} has no healthcheck"
        )


def test_healthchecks_probe_the_right_thing():
    all_services = services()
    assert "pg_isready" in healthcheck_of(all_services["db"])
    assert "redis-cli ping" in healthcheck_of(all_services["redis"])
    web = healthcheck_of(all_services["web"])
    assert "urllib" in web and "/login/" in web and ":8000" in web, "no curl in slim images"
    worker = healthcheck_of(all_services["worker"])
    assert "celery -A socialops inspect ping" in worker
    assert "celery@$$HOSTNAME" in worker, "the worker pings its own node only"
    assert "beat" in healthcheck_of(all_services["beat"])


def test_app_services_wait_for_healthy_db_and_redis_and_for_migrations():
    all_services = services()
    migrators = [
        name for name, service in all_services.items() if "manage.py migrate" in command_of(service)
    ]
    assert len(migrators) == 1, f"exactly one service runs the migrations: {migrators}"
    (migrate,) = migrators
    assert migrate not in APP_SERVICES
    assert all_services[migrate]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        depends_on = all_services[name]["depends_on"]
        assert depends_on["db"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        assert depends_on[migrate]["condition"] == "service_completed_successfully", name


def test_app_service_commands():
    all_services = services()
    web = command_of(all_services["web"])
    assert web.startswith("gunicorn ") and "socialops.wsgi:application" in web
    assert "0.0.0.0:8000" in web
    assert "8000:8000" in [str(port) for port in all_services["web"]["ports"]]
    worker = command_of(all_services["worker"])
    assert worker.startswith("celery -A socialops worker")
    beat = command_of(all_services["beat"])
    assert beat.startswith("celery -A socialops beat")
    assert f"--scheduler {DATABASE_SCHEDULER}" in beat or f"-S {DATABASE_SCHEDULER}" in beat


def test_app_services_point_at_the_compose_database_and_redis():
    env = {"POSTGRES_PASSWORD": "pw", "SECRET_KEY": "k", "AUDIT_CHECKPOINT_KEY": "a"}
    interpolated = yaml.safe_load(interpolate(compose_text(), env))["services"]
    for name in APP_SERVICES:
        environment = interpolated[name]["environment"]
        assert environment["DATABASE_URL"] == "postgres://socialops:pw@db:5432/socialops"
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["SECRET_KEY"] == "k"
        # Unset in .env, the HTTPS settings stay on: only .env turns them off.
        for setting in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
            assert str(environment[setting]).lower() == "true", (name, setting)


# --- .env.example ---------------------------------------------------------------------------


def test_env_example_documents_every_compose_variable():
    example = env_example()
    used = compose_variables(compose_text())
    assert used - set(example) == set(), "referenced in docker-compose.yml, not in .env.example"
    assert set(example) - used == set(), "in .env.example, unused by docker-compose.yml"
    required = {
        "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "POSTGRES_PASSWORD",
        "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "CELERY_VISIBILITY_TIMEOUT", "LOG_LEVEL",
    }  # fmt: skip
    assert required <= set(example)
    assert example["DEBUG"] == "0"
    for setting in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert example[setting] == "false", "the local trial runs over plain http"
    assert "REDIS_URL" not in example and "DATABASE_URL" not in example, "compose sets them"


def test_env_example_comments_every_variable():
    """Each group of variables (lines with no blank between them) opens with a comment."""
    text = ENV_EXAMPLE.read_text()
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.strip().splitlines()]
        if any("=" in line and not line.startswith("#") for line in lines):
            assert lines[0].startswith("#"), f"uncommented variables: {lines}"
    assert "secrets.token_urlsafe(50)" in text, "say how to generate SECRET_KEY"
    assert "cp .env.example .env" in text


# --- docker compose config ------------------------------------------------------------------


def test_compose_config_is_valid_with_the_env_example(tmp_path):
    """With .env.example's values, every ${...} in docker-compose.yml resolves (required
    ones included) and the result is YAML; without SECRET_KEY, interpolation fails.

    When a compose client is installed (`docker compose` plugin or `docker-compose`), it
    runs `config -q` on the file too, which needs no Docker engine. When neither is
    installed, only the YAML-level checks above run, not the client's own validation, and
    the test says so with a warning in pytest's summary rather than a skip.
    """
    example = env_example()
    resolved = yaml.safe_load(interpolate(compose_text(), example))
    assert "${" not in json.dumps(resolved)
    without_secret = {k: v for k, v in example.items() if k != "SECRET_KEY"}
    try:
        interpolate(compose_text(), without_secret)
    except ValueError as error:
        assert "SECRET_KEY" in str(error)
    else:
        raise AssertionError("docker-compose.yml must require SECRET_KEY")

    client = compose_client()
    if client is None:
        warnings.warn(
            "no compose client installed: docker-compose.yml got the YAML-level checks only",
            stacklevel=1,
        )
        return

    def run_config(values: dict[str, str]) -> subprocess.CompletedProcess:
        env_file = tmp_path / "compose.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in example and k != "SECRET_KEY" and not k.startswith("COMPOSE_")
        }
        env.update(values)
        return subprocess.run(
            [*client, "--env-file", str(env_file), "config", "-q"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    result = run_config(example)
    assert result.returncode == 0, result.stdout + result.stderr
    result = run_config(without_secret)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr, result.stderr


# --- Dockerfile and .dockerignore -----------------------------------------------------------


def test_dockerfile_builds_one_non_root_image_with_static_files():
    instructions = dockerfile_instructions()
    froms = [args for keyword, args in instructions if keyword == "FROM"]
    assert froms and froms[0].split()[0].startswith("python:3.11"), froms

    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users, "the image must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"runs as {users[-1]}"

    runs = [args for keyword, args in instructions if keyword == "RUN"]
    assert any("pip install" in run and re.search(r"\s\.(\s|$)", run) for run in runs)
    collectstatic = [run for run in runs if "manage.py collectstatic" in run]
    assert collectstatic and "--noinput" in collectstatic[0]
    # The build-time key lives in that RUN step only, never in the image's ENV or ARG.
    for keyword, args in instructions:
        if keyword in ("ENV", "ARG"):
            assert "SECRET_KEY" not in args, f"{keyword} {args}"

    assert ("EXPOSE", "8000") in instructions
    cmd = json.loads([args for keyword, args in instructions if keyword == "CMD"][-1])
    assert cmd[:2] == ["gunicorn", "socialops.wsgi:application"]
    assert any("0.0.0.0:8000" in part for part in cmd)
    assert "--access-logfile" in cmd and cmd[cmd.index("--access-logfile") + 1] == "-"


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv", "db.sqlite3", "staticfiles"} <= patterns
    # pyproject.toml names README.md as its readme: the build needs it in the context.
    assert not patterns & {"README.md", "*.md", "pyproject.toml", "manage.py", "templates"}


def test_runtime_dependencies_include_celerys_redis_transport():
    """The image installs the runtime dependencies only, and compose runs Celery on Redis.
    kombu's Redis transport imports `packaging`, which only its `redis` extra installs: with
    plain `celery`, worker and beat die at start (`No module named 'packaging'`). Dev
    installs hide this, as pytest brings `packaging`."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = [
        re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:\[([^\]]*)\])?", dependency).groups()
        for dependency in pyproject["project"]["dependencies"]
    ]
    with_redis_extra = {
        name.lower() for name, extras in requirements if "redis" in (extras or "").split(",")
    }
    names = {name.lower() for name, _ in requirements}
    assert with_redis_extra & {"celery", "kombu"} or "packaging" in names, (
        'pyproject.toml: depend on "celery[redis]==..." rather than "celery==..."'
    )


# --- manage.py check --deploy ---------------------------------------------------------------


def _production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production process: every variable settings.py reads, and the
    DJANGO_* ones (conftest sets DJANGO_ALLOW_ASYNC_UNSAFE, which async.E001 refuses), are
    dropped from this one's (the test run has DEBUG=1), then set as production sets them.

    settings.py also loads a .env at the repo root without overriding the environment; one
    made from .env.example turns the HTTPS settings off, so those it sets are pinned on.
    """
    settings_source = (ROOT / "socialops" / "settings.py").read_text()
    read_by_settings = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', settings_source))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in read_by_settings and not k.startswith("DJANGO_")
    }
    dot_env = ROOT / ".env"
    if dot_env.exists():
        production = {
            "SECURE_SSL_REDIRECT": "true",
            "SESSION_COOKIE_SECURE": "true",
            "CSRF_COOKIE_SECURE": "true",
            "SECURE_HSTS_SECONDS": "31536000",
            "REDIS_URL": "",
        }
        env.update({k: v for k, v in production.items() if k in parse_env_file(dot_env)})
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        AUDIT_CHECKPOINT_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="example.com",
        DATABASE_URL="sqlite:////tmp/x.sqlite3",
    )
    env.update(overrides)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _check_deploy(_production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_check_deploy_flags_the_local_http_trial_settings():
    """The control for the test above: .env.example's plain-http values are not production."""
    example = env_example()
    https_settings = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    trial = {k: example[k] for k in https_settings}
    result = _check_deploy(_production_env(**trial))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for check in ("security.W008", "security.W012", "security.W016"):
        assert check in output, output


def test_production_silences_nothing_but_the_opt_in_preload_and_keeps_the_headers():
    """Under production settings the only silenced check is HSTS preload (an opt-in), and with
    SECURE_HSTS_PRELOAD=true nothing is; the security headers and the CSP stay configured."""
    probe = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.SILENCED_SYSTEM_CHECKS, s.DEBUG, s.SECURE_CONTENT_TYPE_NOSNIFF, "
        "s.SECURE_REFERRER_POLICY, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE, "
        "'socialops.common.middleware.NoStoreMiddleware' in s.MIDDLEWARE, "
        "\"'unsafe-inline'\" in json.dumps(s.CONTENT_SECURITY_POLICY, default=str)]))"
    )
    for preload, silenced in (("false", ["security.W021"]), ("true", [])):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", probe],
            cwd=ROOT, env=_production_env(SECURE_HSTS_PRELOAD=preload),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        values = json.loads(result.stdout.strip().splitlines()[-1])
        assert values == [silenced, False, True, "same-origin", True, True, False], values
    result = _check_deploy(_production_env(SECURE_HSTS_PRELOAD="true"))
    assert result.returncode == 0, result.stdout + result.stderr
