"""Proofs behind the justified ruff security ignores (pyproject.toml [tool.ruff.lint]).

The SVG charts are marked safe (S308) because workload/charts.py escapes every text it draws;
webhooks are opened with urllib (S310) only after their URL is checked to be http(s)."""

import pytest

from governance import outbox
from governance.models import OutboxMessage
from workload import charts

HOSTILE = '</text><script>alert(1)</script><a href="x" onclick="y">'


def test_chart_svg_escapes_text():
    svgs = [
        charts.bar_chart(title=HOSTILE, bars=[charts.Bar(HOSTILE, 3, HOSTILE, HOSTILE)]),
        charts.column_chart(
            title=HOSTILE,
            labels=[HOSTILE],
            values=[2],
            texts=[HOSTILE],
            reference=[1],
            reference_label=HOSTILE,
        ),  # fmt: skip
        charts.line_chart(title=HOSTILE, labels=[HOSTILE, "b"], values=[1, 2], texts=[HOSTILE, ""]),
    ]
    for svg in svgs:
        assert svg.startswith("<svg")
        assert "<script" not in svg and 'onclick="' not in svg and "<a " not in svg
        assert "&lt;script&gt;" in svg


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/"])
def test_webhook_refuses_other_schemes(url, monkeypatch):
    def opened(*args, **kwargs):
        raise AssertionError("urlopen must not be reached")

    monkeypatch.setattr(outbox.urllib.request, "urlopen", opened)
    message = OutboxMessage(topic="grant.revoked", payload={})
    with pytest.raises(OSError, match="http or https"):
        outbox._post_webhook(url, "s", message)


def test_webhook_still_posts_over_https(monkeypatch):
    seen = []

    class Answer:
        status = 204

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def opened(request, timeout):
        seen.append(request.full_url)
        return Answer()

    monkeypatch.setattr(outbox.urllib.request, "urlopen", opened)
    outbox._post_webhook(
        "https://hooks.example.com/in", "s", OutboxMessage(topic="grant.revoked", payload={})
    )
    assert seen == ["https://hooks.example.com/in"]
