"""gunicorn's settings for the web service (Dockerfile CMD and docker-compose.yml run
`gunicorn -c gunicorn.conf.py socialops.wsgi:application`).

No server banner: gunicorn writes `Server: gunicorn` on every response and has no setting
for it (benoitc/gunicorn#825; the maintainers dropped the version in 20.1 and keep the
name). Its responses read the value from `gunicorn.http.wsgi.SERVER` and write the line in
`Response.default_headers`; this file, loaded by the master before any worker forks, blanks
the first and drops the line in the second. Checked end to end by
tests/test_web_hardening.py, which starts gunicorn with this file and reads the raw
response. (HTTP/2, which gunicorn serves only over its own TLS, is not used: TLS ends at
the proxy, docker-compose.yml.)
"""

import os

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Workers: WEB_CONCURRENCY (gunicorn reads it itself), 3 by default in the image.
accesslog = "-"
errorlog = "-"
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

gunicorn.http.wsgi.SERVER = ""
_default_headers = gunicorn.http.wsgi.Response.default_headers


def _default_headers_without_server(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


gunicorn.http.wsgi.Response.default_headers = _default_headers_without_server
