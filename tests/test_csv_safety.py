"""CSV exports cannot inject formulas into a spreadsheet (docs/security.md "CSV exports"):
every text cell starting with =, +, -, @, a tab or a carriage return is prefixed with a single
quote in every export, while numbers (negative ones too) stay numbers."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from socialops.audit.services import Entry, audit_append_many
from socialops.common.csv import FORMULA_STARTS, safe_cell, writer
from teams.models import Channel, Member, Team
from tests.factories import TaskLogFactory
from tests.workload.test_dashboards import _as, score_the_personas

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = ['=HYPERLINK("http://x")', "@SUM(1)", "+1", "-1+1", "\tx", "\rx"]
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


# ---- The rule --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", PAYLOADS)
def test_a_text_cell_that_a_spreadsheet_would_run_is_quoted(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell(text, numeric=True) == "'" + text  # not a plain number: text


@pytest.mark.parametrize("value", [-0.5, Decimal("-0.5"), -3, 0, 12.25])
def test_numbers_stay_numbers_negative_ones_too(value):
    assert safe_cell(value) == value
    out = io.StringIO()
    writer(out).writerow([value])
    assert out.getvalue().strip() == str(value)


def test_a_plain_number_written_as_text_stays_a_number_in_a_numeric_column():
    out = io.StringIO()
    writer(out, numeric=[0]).writerow(["-0.5", "-0.5", "-1+1", None, True, "Maya"])
    assert out.getvalue().strip() == "-0.5,'-0.5,'-1+1,,True,Maya"


def test_every_csv_of_the_project_goes_through_the_shared_writer():
    """No project module writes CSV with the standard library's writer directly."""
    offenders = []
    for package in ("socialops", "teams", "workload", "governance"):
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "socialops" / "common" / "csv.py" or "migrations" in path.parts:
                continue
            text = path.read_text()
            if re.search(r"^import csv$|csv\.(writer|DictWriter)\(", text, re.M) and not re.search(
                r"^from socialops\.common import csv$", text, re.M
            ):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# ---- Every export ----------------------------------------------------------------------------


@pytest.fixture
def hostile(personas):
    """The scored personas, with admin-set names that a spreadsheet would run, on teams,
    people and channels, and in the audit log (as the actor's name)."""
    p = score_the_personas(personas)
    Team.objects.filter(pk=p.team.pk).update(name=PAYLOADS[0])
    Team.objects.filter(pk=p.other_team.pk).update(name=PAYLOADS[1])
    names = {p.member: PAYLOADS[2], p.teammate: PAYLOADS[3], p.leader: PAYLOADS[4],
             p.admin: PAYLOADS[5], p.foreigner: PAYLOADS[1]}  # fmt: skip
    for member, name in names.items():
        Member.objects.filter(pk=member.pk).update(full_name=name)
        member.refresh_from_db()
    Channel.objects.filter(pk=p.channel.pk).update(name=PAYLOADS[1])
    TaskLogFactory(member=p.member, date=p.member.today(), minutes=90, channel=p.channel)
    for member in names:
        audit_append_many(
            actor=member.user,
            entries=[Entry("member.roles_changed", "member", member.pk, {"note": PAYLOADS[0]})],
        )
    return p


def _csv_links(html: str) -> set[str]:
    return set(re.findall(r'href="(/[^"]*/csv/[^"]*)"', html))


def _exports(client, p) -> dict[str, list[list[str]]]:
    """Every CSV the pages link to, for a leader, a member and an admin, and the audit log's."""
    found: dict[str, list[list[str]]] = {}
    pages = {
        p.leader: ["/dashboard/", f"/dashboard/teams/{p.team.pk}/", "/dashboard/org/",
                   f"/dashboard/members/{p.member.pk}/"],
        p.member: ["/me/"],
    }  # fmt: skip
    for who, urls in pages.items():
        _as(client, who)
        links = set()
        for url in urls:
            page = client.get(url)
            assert page.status_code == 200, url
            links |= _csv_links(page.content.decode())
        for link in sorted(links):
            response = client.get(link.replace("&amp;", "&"))
            assert response.status_code == 200, link
            assert response["Content-Type"].startswith("text/csv"), link
            found[link] = list(csv.reader(io.StringIO(response.content.decode())))
    _as(client, p.admin)
    response = client.get("/governance/audit/?export=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    found["audit"] = list(csv.reader(io.StringIO(body)))
    return found


def test_every_export_neutralises_formula_cells_and_keeps_numbers(hostile, client):
    exports = _exports(client, hostile)
    kinds = {re.sub(r"/\d+/", "/<id>/", k).split("/csv/")[0] for k in exports}
    assert {"/dashboard/teams/<id>", "/dashboard/org", "/dashboard/members/<id>", "/me",
            "audit"} <= kinds, kinds  # fmt: skip
    seen, seen_in_dashboards = set(), set()
    for name, rows in exports.items():
        assert rows, name
        for row in rows:
            for cell in row:
                if cell.startswith(FORMULA_STARTS):
                    assert _PLAIN_NUMBER.fullmatch(cell), (name, cell)  # -0.5: a number
                for payload in PAYLOADS:
                    if payload in cell:
                        assert cell.startswith("'") or not cell.startswith(payload[0]), cell
                    if cell == "'" + payload:
                        seen.add(payload)
                        if name != "audit":
                            seen_in_dashboards.add(payload)
    assert seen == set(PAYLOADS)  # each name reached an export, and came out quoted
    # The dashboards' own exports carry the team's and the people's names, quoted.
    assert {PAYLOADS[0], PAYLOADS[2], PAYLOADS[3]} <= seen_in_dashboards, seen_in_dashboards


def test_a_negative_gap_stays_a_number_in_the_org_csv(hostile, client):
    from workload.models import StaffingSnapshot

    StaffingSnapshot.objects.filter(team=hostile.team).update(gap_fte=Decimal("-0.5"))
    _as(client, hostile.leader)
    rows = list(csv.reader(io.StringIO(client.get("/dashboard/org/csv/teams/").content.decode())))
    team = next(r for r in rows if r[0] == "'" + PAYLOADS[0])
    assert team[1] == "-0.5"
