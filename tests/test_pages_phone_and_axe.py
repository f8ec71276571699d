"""Every page of the demo works on a phone and passes axe-core, for every role
(docs/architecture.md, "Showing things"): at 360 × 800 and 1366 × 900 the page never
scrolls sideways, primary actions are at least 44 px tall on the phone, and axe-core's
WCAG 2 A and AA rules find nothing, and the Content-Security-Policy blocks nothing the
page needs (no CSP report in the console). Italian and Indonesian run longer than English, so
every page is walked again on the phone in each (the browser's locale, so Accept-Language).

axe-core comes from the npm registry, pinned in package.json / package-lock.json;
`make install` runs `npm ci`. The API docs and the Django admin are not ours and not walked.
"""

import io
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from governance.models import AccessGrant, AccessReview, Offboarding
from socialops.management.commands.seed_demo import DEMO_PASSWORD, OPERATOR
from teams.models import Member, Team
from tests.conftest import ARTIFACTS, sign_in
from workload.models import TaskLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": (360, 800), "desktop": (1366, 900)}
# Italian and Indonesian run longer than English: every page again on the phone in each.
RUNS = [("phone", "en-GB"), ("desktop", "en-GB"), ("phone", "it-IT"), ("phone", "id-ID")]
TAP = 44  # px, primary actions on a phone
PRIMARY = "button[type=submit], .button, header.top nav a"

# Everything on the page that is a primary action and shorter than TAP, as text.
SHORT_TARGETS = """([selector, tap]) => [...document.querySelectorAll(selector)]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.height < tap)
  .map(([el, box]) => `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}`
       + ` "${(el.innerText || el.value || '').trim().slice(0, 40)}" ${Math.round(box.height)}px`)
"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    summary: (v.nodes[0] && v.nodes[0].failureSummary || '').slice(0, 200),
    count: v.nodes.length,
  }));
}"""


def _pages(username: str) -> list[str]:
    """The pages `username` can open in the seeded demo (the API docs and admin aside)."""
    teams = {t.name: t.pk for t in Team.objects.all()}
    maya = Member.objects.get(user__username="maya")
    mei = Member.objects.get(user__username="mei").pk
    grant = AccessGrant.objects.unrevoked().order_by("pk").first()
    offboarding = Offboarding.objects.order_by("pk").first()
    review = AccessReview.objects.order_by("pk").first()
    entry = TaskLog.objects.filter(member=maya).order_by("-pk").first()
    assert grant and offboarding and review and entry
    member_pages = ["/log/", "/pulse/", "/me/", "/reviews/"]
    return {
        "maya": [
            "/", *member_pages, f"/log/entries/{entry.pk}/edit/",
            "/governance/",  # 403: not an admin
            "/no-such-page/",  # 404
        ],
        "mei": ["/", *member_pages],
        "leo": [
            "/", "/dashboard/", f"/dashboard/teams/{teams['Community']}/",
            f"/dashboard/teams/{teams['Brand & Content']}/", "/dashboard/org/",
            f"/dashboard/members/{maya.pk}/", "/reviews/",
        ],
        "ravi": [
            "/", f"/dashboard/teams/{teams['Social Care APAC']}/",
            f"/dashboard/members/{mei}/", "/reviews/",
        ],
        "ada": [
            "/", "/governance/", "/governance/channels/", "/governance/grants/",
            "/governance/follow-ups/", "/governance/reviews/",
            f"/governance/reviews/{review.pk}/", "/reviews/", "/governance/audit/",
            f"/governance/grants/{grant.pk}/revoke/",
            f"/governance/members/{maya.pk}/offboard/",
            f"/governance/offboardings/{offboarding.pk}/",
            f"/governance/offboardings/{offboarding.pk}/evidence/",
        ],
        OPERATOR: ["/", "/reviews/"],
    }[username]  # fmt: skip


# The error pages walked, by the person who meets them; every other page answers 200.
STATUS = {("maya", "/governance/"): 403, ("maya", "/no-such-page/"): 404}


@pytest.fixture
def axe_source() -> Path:
    # Never a skip: `make install` (npm ci) puts axe-core there.
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci installs axe-core)")
    return AXE


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=io.StringIO())


def _problems(page, size: str, axe: Path) -> list[str]:
    found = []
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        found.append(f"scrolls sideways: scrollWidth {width[0]} > innerWidth {width[1]}")
    if size.startswith("phone"):
        short = page.evaluate(SHORT_TARGETS, [PRIMARY, TAP])
        if short:
            counts = Counter(" ".join(target.split()) for target in short)
            listed = "; ".join(f"{t} ×{n}" if n > 1 else t for t, n in counts.items())
            found.append(f"primary actions under {TAP}px tall: {listed}")
    # Evaluated through the DevTools protocol, not as a <script> the page's CSP would block.
    page.evaluate(axe.read_text())
    for v in page.evaluate(AXE_RUN):
        found.append(
            f"axe {v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}; "
            f"{v['targets']}; {v['summary']}"
        )
    return found


@pytest.mark.parametrize("username", ["maya", "mei", "leo", "ravi", "ada", OPERATOR])
def test_every_page_works_on_a_phone_and_passes_axe(
    username, seeded, axe_source, live_server, chromium
):
    urls = _pages(username)
    failures = []
    for size_name, locale in RUNS:
        width, height = SIZES[size_name]
        size = f"{size_name} {locale}"
        context = chromium.new_context(viewport={"width": width, "height": height}, locale=locale)
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            # Anything the Content-Security-Policy blocks (a script, a style, htmx) is a failure.
            blocked: list[str] = []
            page.on(
                "console",
                lambda msg, blocked=blocked: (
                    blocked.append(msg.text) if "Content Security Policy" in msg.text else None
                ),
            )
            sign_in(page, live_server, username, DEMO_PASSWORD)
            for url in urls:
                response = page.goto(f"{live_server.url}{url}", wait_until="domcontentloaded")
                assert response is not None
                expected = STATUS.get((username, url), 200)
                if response.status != expected:
                    failures.append(f"{size} {url}: HTTP {response.status}, not {expected}")
                    continue
                page.wait_for_load_state("load")
                for problem in _problems(page, size, axe_source):
                    failures.append(f"{size} {url}: {problem}")
                failures.extend(f"{size} {url}: CSP blocked: {text[:200]}" for text in blocked)
                blocked.clear()
                if failures and failures[-1].startswith(f"{size} {url}:"):
                    ARTIFACTS.mkdir(exist_ok=True)
                    where = url.strip("/").replace("/", "_") or "home"
                    name = f"axe-{username}-{size.replace(' ', '-')}-{where}"
                    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        finally:
            context.close()
    assert not failures, f"{username}: {len(failures)} problems\n" + "\n".join(failures)
