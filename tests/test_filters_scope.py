"""Filters do not reveal which ids exist (docs/security.md "Filters"): on every list endpoint,
each id filter answers the same for an id outside the caller's scope and an id that does not
exist (200, an empty list), and every FilterSet of the API derives from IdFilterSet."""

import pytest
from django.test import RequestFactory

from socialops.api import router
from socialops.common.filters import IdFilter, IdFilterSet, ScopedFilterBackend

pytestmark = pytest.mark.django_db

FOREIGN = {"member": "foreigner", "channel": "other_channel", "team": "other_team"}


def _id_filters():
    """(prefix, viewset, filter name, related model) for every id filter of every list."""
    backend = ScopedFilterBackend()
    out = []
    for prefix, viewset, _basename in router.registry:
        if not hasattr(viewset, "list"):
            continue
        view = viewset()
        view.request = RequestFactory().get("/")
        view.action, view.format_kwarg, view.kwargs = "list", None, {}
        queryset = viewset.model.objects.all() if hasattr(viewset, "model") else None
        filterset_class = backend.get_filterset_class(view, queryset)
        if filterset_class is None:
            continue
        assert issubclass(filterset_class, IdFilterSet), viewset
        for name, flt in filterset_class.base_filters.items():
            if isinstance(flt, IdFilter):
                out.append((prefix, name))
    return out


def test_the_filters_that_take_ids_are_found():
    names = {f"{p}?{n}" for p, n in _id_filters()}
    assert {"task-logs?member", "scores?member", "grants?member"} <= names, names


@pytest.mark.parametrize("caller", ["member", "leader", "admin"])
def test_a_foreign_id_and_a_missing_id_answer_the_same(personas, api, caller):
    client = api(getattr(personas, caller))
    for prefix, name in _id_filters():
        url = f"/api/v1/{prefix}/"
        foreign = getattr(personas, FOREIGN.get(name, ""), None)
        foreign_id = foreign.pk if foreign is not None else 99998
        a = client.get(url, {name: foreign_id})
        b = client.get(url, {name: 99999})
        assert a.status_code == b.status_code, (url, name, a.status_code, b.status_code)
        assert a.content == b.content, (url, name)
        if a.status_code == 200:
            body = a.json()
            results = body.get("results", body) if isinstance(body, dict) else body
            assert results == [], (url, name)
        bad = client.get(url, {name: "x"})
        assert bad.status_code in (400, a.status_code), (url, name)
