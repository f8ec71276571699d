"""The code's references to the design point into the repository: every `docs/<file>.md`
named in the code exists, and every section it cites (`docs/scoring.md 2.3`) is a heading
there. No reference reaches outside the repository for the brief."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    p
    for folder in ("socialops", "teams", "workload", "governance", "templates", "tests")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in (".py", ".html") and "migrations" not in p.parts
]
REFERENCE = re.compile(r"(?<![\w/.])(?:docs/)?([a-z_]+)\.md(?: (\d\.\d))?")
BRIEF_NAMES = {"product", "style"}  # names of the brief the project no longer cites


def _references():
    for path in SOURCES:
        for match in REFERENCE.finditer(path.read_text(encoding="utf-8")):
            yield path.relative_to(ROOT), match.group(0), match.group(1), match.group(2)


def test_every_cited_document_is_in_docs():
    missing = [
        (str(path), text)
        for path, text, name, _ in _references()
        if name not in ("README",) and not (ROOT / "docs" / f"{name}.md").exists()
    ]
    assert not missing, missing


def test_every_cited_section_is_a_heading_of_its_document():
    missing = []
    for path, text, name, section in _references():
        if section is None:
            continue
        doc = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
        if not re.search(rf"^#+ {re.escape(section)} ", doc, re.MULTILINE):
            missing.append((str(path), text))
    assert not missing, missing


def test_the_brief_is_not_cited_by_its_own_names():
    cited = {(str(path), text) for path, text, name, _ in _references() if name in BRIEF_NAMES}
    assert not cited, cited
