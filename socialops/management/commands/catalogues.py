"""`manage.py catalogues`: keep the Italian and Indonesian catalogues in step with the code.

    manage.py catalogues            extract every marked string (makemessages), compile the .mo
    manage.py catalogues --check    change nothing; fail listing what is missing, untranslated,
                                    fuzzy, stale or has mismatched placeholders
    manage.py catalogues --into D   extract into directory D instead (for translators' drafts)

Extraction needs GNU gettext's xgettext (as Django's makemessages does). Compiling uses
polib, so the committed .mo files are rebuilt without msgfmt, and `make run` needs no
gettext at all. docs/i18n.md explains the workflow.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

LANGUAGES = ("it", "id")
IGNORE = ["tests/*", "node_modules/*", "staticfiles/*", "docs/*", "htmlcov/*"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|\{(\w*)\}|%[sdif]")


def catalogue_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def po_path(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def extract(locale_dir: Path) -> None:
    """Run makemessages over the project into `locale_dir` (existing translations kept)."""
    with override_settings(LOCALE_PATHS=[str(locale_dir)]), contextlib.chdir(settings.BASE_DIR):
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            ignore_patterns=IGNORE,
            no_obsolete=True,
            add_location="file",
            verbosity=0,
        )


def compile_catalogues(locale_dir: Path) -> None:
    for language in LANGUAGES:
        po = polib.pofile(str(po_path(locale_dir, language)))
        po.save_as_mofile(str(po_path(locale_dir, language).with_suffix(".mo")))


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)

    def add(self, language: str, entry: polib.POEntry, why: str) -> None:
        where = ", ".join(sorted({path for path, _line in entry.occurrences})) or "?"
        self.problems.append(f"{language}: {why}: {entry.msgid!r} ({where})")


def check(locale_dir: Path) -> Report:
    """Compare the committed catalogues with a fresh extraction; judge every entry."""
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        fresh_dir = Path(tmp) / "locale"
        shutil.copytree(locale_dir, fresh_dir, ignore=shutil.ignore_patterns("*.mo"))
        extract(fresh_dir)
        for language in LANGUAGES:
            committed = polib.pofile(str(po_path(locale_dir, language)))
            fresh = polib.pofile(str(po_path(fresh_dir, language)))
            known = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
            current = {(e.msgctxt, e.msgid) for e in fresh if not e.obsolete}
            for entry in fresh:
                if (entry.msgctxt, entry.msgid) not in known:
                    report.add(language, entry, "not in the catalogue (run manage.py catalogues)")
            for entry in committed:
                if entry.obsolete or (entry.msgctxt, entry.msgid) not in current:
                    report.add(language, entry, "no longer in the code")
                    continue
                _judge(report, language, entry)
            _check_compiled(report, language, committed, po_path(locale_dir, language))
    return report


def _judge(report: Report, language: str, entry: polib.POEntry) -> None:
    if "fuzzy" in entry.flags:
        report.add(language, entry, "fuzzy")
        return
    translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    if not translations or not all(t.strip() for t in translations):
        report.add(language, entry, "untranslated")
        return
    expected = _placeholders(entry.msgid)
    expected_plural = _placeholders(entry.msgid_plural) if entry.msgid_plural else expected
    for translation in translations:
        found = _placeholders(translation)
        if found not in (expected, expected_plural) and set(found) - set(expected_plural):
            report.add(language, entry, f"placeholders {found} instead of {expected}")
            return


def _check_compiled(report: Report, language: str, po: polib.POFile, path: Path) -> None:
    mo_path = path.with_suffix(".mo")
    if not mo_path.exists():
        report.problems.append(f"{language}: {mo_path} is missing (run manage.py catalogues)")
        return
    mo = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path))}
    for entry in po:
        if entry.obsolete or "fuzzy" in entry.flags or not (entry.msgstr or entry.msgstr_plural):
            continue
        compiled = mo.get((entry.msgctxt, entry.msgid))
        plural = {int(k): v for k, v in entry.msgstr_plural.items()}
        if compiled is None or (compiled[0] != entry.msgstr and compiled[1] != plural):
            report.problems.append(
                f"{language}: {mo_path.name} is older than the .po (run manage.py catalogues)"
            )
            return


class Command(BaseCommand):
    help = "Extract and compile the it/id catalogues, or --check them."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--into", type=Path, default=None)

    def handle(self, *args, **options):
        locale_dir = options["into"] or catalogue_dir()
        if options["check"]:
            report = check(locale_dir)
            if report.problems:
                raise CommandError("\n".join(report.problems))
            self.stdout.write("Catalogues complete: " + ", ".join(LANGUAGES))
            return
        locale_dir.mkdir(parents=True, exist_ok=True)
        extract(locale_dir)
        compile_catalogues(locale_dir)
        for language in LANGUAGES:
            po = polib.pofile(str(po_path(locale_dir, language)))
            self.stdout.write(
                f"{language}: {len(po.translated_entries())} translated, "
                f"{len(po.untranslated_entries())} untranslated, {len(po.fuzzy_entries())} fuzzy"
            )
