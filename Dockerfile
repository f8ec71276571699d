# syntax=docker/dockerfile:1
# One image for every role: web (the default CMD, gunicorn), worker (celery worker) and
# beat (celery beat); docker-compose.yml picks the role with `command:`.
#
# The project runs from its source tree in /app (manage.py and templates/ live at the repo
# root, and settings derive BASE_DIR from socialops/settings.py). PYTHONPATH=/app makes
# that tree win over the copy `pip install .` puts in site-packages, which lacks the
# static files (setuptools ships only .py files without a MANIFEST.in).
#
# No HEALTHCHECK here: the same image runs three roles and one HTTP check would mark the
# worker and beat unhealthy. docker-compose.yml gives each service its own check.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    WEB_CONCURRENCY=3

# The unprivileged user every role runs as. /app stays root-owned: nothing writes to it.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, exactly as pinned in pyproject.toml, in their own layer so that a
# code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The whole source tree (.dockerignore keeps out .env, .git, .venv, tests, local DBs...).
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info

# Static files are collected into the image; whitenoise serves them. Settings refuse to
# import without SECRET_KEY when DEBUG is off, so this step alone gets a throwaway one: it
# is not kept in the image's environment.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only-not-a-real-secret-key \
        python manage.py collectstatic --noinput

# The audit checkpoints' file lives on its own volume (docker-compose.yml); a new named
# volume takes this directory's owner, so the app user may append to it.
RUN mkdir -p /var/lib/socialops && chown app /var/lib/socialops

USER app

EXPOSE 8000

# Workers: WEB_CONCURRENCY (gunicorn reads it), 3 by default. Access log to stdout.
# gunicorn.conf.py removes gunicorn's Server banner (docs/security.md).
CMD ["gunicorn", "socialops.wsgi:application", \
     "--config", "/app/gunicorn.conf.py", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--error-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm"]
