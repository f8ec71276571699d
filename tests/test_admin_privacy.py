"""Privacy in the Django admin (docs/security.md "Privacy in the admin"): the pulse-derived
fields (WRB, blended risk and band, mode, band overrides) and the raw pulse answers are
neither shown, nor filterable by URL lookups, nor searchable, nor orderable, in any admin."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.sites import site
from django.test import RequestFactory

from socialops.common.admin import (
    PRIVATE_FIELDS,
    PRIVATE_MODELS,
    PrivateFieldsAdmin,
    path_is_private,
)
from tests.factories import BurnoutScoreFactory
from workload.admin import BurnoutScoreAdmin
from workload.models import BurnoutScore, PulseResponse

pytestmark = pytest.mark.django_db

SCORES = "/admin/workload/burnoutscore/"
OUR_PACKAGES = {"teams", "workload", "governance", "socialops"}


@pytest.fixture
def scores(personas):
    """Two scores of the member: one with a high, one with a low unshared WRB and risk."""
    high = BurnoutScoreFactory(member=personas.member, as_of=dt.date(2026, 11, 15),
                               wrb=Decimal("78.57"), risk=Decimal("66.10"),
                               band=BurnoutScore.Band.HIGH, mode=BurnoutScore.Mode.BLENDED,
                               band_overrides=["pulse_high"])  # fmt: skip
    low = BurnoutScoreFactory(member=personas.member, as_of=dt.date(2026, 11, 8),
                              wrb=Decimal("12.50"), risk=Decimal("20.00"))  # fmt: skip
    return high, low


def _refused(response) -> bool:
    """Django's admin refuses a lookup it does not allow with a 400 (DisallowedModelAdminLookup)
    or an unknown one by sending the list back with ?e=1 (IncorrectLookupParameters)."""
    return response.status_code == 400 or (
        response.status_code == 302 and response["Location"].endswith("?e=1")
    )


@pytest.mark.parametrize(
    "url",
    [
        SCORES + "?member__exact={member}&wrb__gte=78.57",
        SCORES + "?wrb__gte=50",
        SCORES + "?wrb=78.57",
        SCORES + "?risk__lt=50",
        SCORES + "?band__exact=high",
        SCORES + "?band=high",
        SCORES + "?mode__exact=blended",
        SCORES + "?band_overrides__isnull=False",
        SCORES + "?band_overrides__contains=pulse_high",
        SCORES + "?member__pulses__a1__gte=1",
        SCORES + "?member__exact={member}",  # not a declared filter: refused too
        "/admin/teams/member/?burnout_scores__wrb__gte=50",
        "/admin/teams/member/?burnout_scores__risk__gte=50",
        "/admin/teams/member/?pulses__a1__gte=4",
        "/admin/teams/member/?pulses__isnull=False",
        "/admin/workload/tasklog/?member__burnout_scores__wrb__gte=50",
        "/admin/auth/user/?member__burnout_scores__wrb__gte=50",  # Django's own admin too
        "/admin/auth/user/?member__pulses__a1__gte=4",
    ],
)
def test_a_url_lookup_on_a_hidden_field_is_refused_never_a_filtered_list(operator, personas,
                                                                         scores, url):  # fmt: skip
    response = operator.get(url.format(member=personas.member.pk))
    assert _refused(response), (response.status_code, url)
    assert b"78.57" not in response.content


def test_a_hidden_field_cannot_be_recovered_by_binary_search(operator, personas, scores):
    """The attack of the issue: halve the interval until one row is left. Every probe is
    refused, whatever the bound, so the answer never depends on the hidden value."""
    answers = set()
    for bound in ("0", "50", "75", "78.57", "78.58", "100"):
        response = operator.get(f"{SCORES}?member__exact={personas.member.pk}&wrb__gte={bound}")
        answers.add((response.status_code, response.get("Location")))
    assert len(answers) == 1
    assert _refused(response)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status__exact=ok",
        "?wsi_band__exact=moderate",
        "?member__team__id__exact={team}",
        "?member__team__isnull=True",
        "?as_of__year=2026&as_of__month=11",
        "?as_of__year=2026&as_of__month=11&as_of__day=15",
        "?as_of__gte=2026-11-01&as_of__lt=2026-12-01",
        "?q=Maya",
    ],
)
def test_the_declared_filters_search_and_dates_still_work(operator, personas, scores, query):
    response = operator.get(SCORES + query.format(team=personas.team.pk))
    assert response.status_code == 200, (response.status_code, query)


def _filter_links(html: str) -> set[str]:
    """Every link of the changelist's filter sidebar and date hierarchy."""
    return {unescape(href) for href in re.findall(r'href="(\?[^"]*)"', html)}


def test_every_filter_link_the_admin_offers_is_allowed(operator, personas, scores):
    """The allow-list is exactly wide enough: each filter choice and date-hierarchy link
    of every registered changelist answers 200."""
    for model in site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = operator.get(base)
        assert response.status_code == 200, base
        for link in _filter_links(response.content.decode()):
            if "o=" in link or "p=" in link:
                continue  # ordering and paging links, not filters
            followed = operator.get(base + link)
            assert followed.status_code == 200, (base + link, followed.status_code)


def test_ordering_by_a_column_that_is_not_sortable_is_ignored(operator, scores, monkeypatch):
    """`?o=<index>` orders by that list_display column only if it is in sortable_by (Django
    alone orders by any column index)."""
    high, low = scores
    wsi = BurnoutScoreAdmin.list_display.index("wsi")
    BurnoutScore.objects.filter(pk=high.pk).update(wsi=Decimal("90"))
    BurnoutScore.objects.filter(pk=low.pk).update(wsi=Decimal("10"))
    sortable = [f for f in BurnoutScoreAdmin.list_display if f != "wsi"]
    monkeypatch.setattr(BurnoutScoreAdmin, "sortable_by", sortable, raising=False)
    asc = operator.get(f"{SCORES}?o={wsi}")
    desc = operator.get(f"{SCORES}?o=-{wsi}")
    assert asc.status_code == desc.status_code == 200
    ids = [[s.pk for s in r.context["cl"].result_list] for r in (asc, desc)]
    assert ids[0] == ids[1]  # the column's direction changes nothing: it is not ordered by
    monkeypatch.setattr(BurnoutScoreAdmin, "sortable_by", None, raising=False)
    asc, desc = (operator.get(f"{SCORES}?o={o}") for o in (wsi, f"-{wsi}"))
    assert [s.pk for s in asc.context["cl"].result_list] == [low.pk, high.pk]
    assert [s.pk for s in desc.context["cl"].result_list] == [high.pk, low.pk]


def test_a_score_page_in_the_admin_shows_no_hidden_value(operator, scores):
    high, _low = scores
    for url in (SCORES, f"{SCORES}{high.pk}/change/"):
        body = operator.get(url).content.decode()
        for value in ("78.57", "66.10", "pulse_high", "Blended"):
            assert value not in body, (url, value)


def _names(items) -> list[str]:
    out = []
    for item in items or ():
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            out.append(item[0])
        elif isinstance(item, (list, tuple)):
            out.extend(_names(item))  # fieldsets' nested groups
    return out


def _private_in(model, names) -> list[str]:
    return [n for n in names if path_is_private(model, n)]


def test_every_registered_model_admin_keeps_the_hidden_fields_out(personas):
    request = RequestFactory().get("/admin/")
    request.user = personas.admin.user
    request.user.is_staff = request.user.is_superuser = True
    checked = 0
    for model, model_admin in site._registry.items():
        name = type(model_admin).__name__
        ours = type(model_admin).__module__.split(".")[0] in OUR_PACKAGES
        # Ours: the mixin. Django's and django-axes' admins (users, groups, lockouts) carry no
        # pulse data; their relational lookups are refused by Django (tested above).
        assert isinstance(model_admin, PrivateFieldsAdmin) or not ours, name
        obj = model.objects.first() or model()
        surfaces = {
            "list_display": [*model_admin.list_display, *model_admin.get_list_display(request)],
            "list_display_links": model_admin.list_display_links,
            "list_filter": [*model_admin.list_filter, *model_admin.get_list_filter(request)],
            "search_fields": [
                *model_admin.search_fields,
                *model_admin.get_search_fields(request),
            ],  # fmt: skip
            "sortable_by": model_admin.get_sortable_by(request),
            "ordering": model_admin.get_ordering(request),
            "date_hierarchy": [model_admin.date_hierarchy or ""],
            "fields": [*model_admin.get_fields(request), *model_admin.get_fields(request, obj)],
            "fieldsets": [
                f for _n, o in model_admin.get_fieldsets(request, obj) for f in o.get("fields", ())
            ],  # fmt: skip
            "readonly_fields": [
                *model_admin.readonly_fields,
                *model_admin.get_readonly_fields(request, obj),
            ],  # fmt: skip
            "fields (declared)": model_admin.fields,
        }
        for surface, items in surfaces.items():
            assert not _private_in(model, _names(items)), (name, surface)
        for inline in model_admin.get_inline_instances(request, obj):
            inline_names = [*_names(inline.get_fields(request)),
                            *_names(inline.get_readonly_fields(request))]  # fmt: skip
            assert not _private_in(inline.model, inline_names), (name, type(inline).__name__)
            assert inline.model._meta.label_lower not in PRIVATE_MODELS
        checked += 1
    assert checked >= 15  # teams, workload, governance and the audit log


def test_the_private_list_names_every_pulse_derived_field():
    """A field that looks pulse-derived (WRB, risk, overrides, pulse answers) on any model is
    declared private, so a new one cannot slip into the admin unnoticed."""
    public = {("teams.member", "share_pulse_with_leader"), ("teams.team", "pulse_min_group")}
    pattern = re.compile(r"wrb|risk|override|pulse|^a[1-7]$")
    for model in apps.get_models():
        label = model._meta.label_lower
        for field in model._meta.get_fields():
            if not pattern.search(field.name) or (label, field.name) in public:
                continue
            if field.is_relation and field.related_model is not None:
                target = field.related_model._meta.label_lower
                if target in PRIVATE_MODELS:
                    continue  # the relation leads into a private model: refused as a whole
            assert label in PRIVATE_MODELS or field.name in PRIVATE_FIELDS.get(label, ()), (
                label,
                field.name,
            )
    assert {"wrb", "risk", "band", "band_overrides"} <= PRIVATE_FIELDS["workload.burnoutscore"]


def test_raw_pulse_answers_are_not_in_the_admin(operator):
    assert not admin.site.is_registered(PulseResponse)
    assert operator.get("/admin/workload/pulseresponse/").status_code == 404
    index = operator.get("/admin/").content.decode()
    assert "pulseresponse" not in index.lower()
