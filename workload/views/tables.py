"""Tables: one structure for a page and its CSV download (every chart has its table)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from socialops.common import csv
from workload.burnout import round_half_up
from workload.explain import BAND_LABELS, percent


def whole(value: float) -> int:
    """Half-up to a whole number, as percentages are shown."""
    return int(round_half_up(value, 0) or 0)


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    band: str | None = None  # a band key: shown as a labelled badge
    numeric: bool = False
    csv: str | float | int | None = None  # what the CSV writes when the page text differs
    # (a percentage is "42 %" on the page and the number 42 in the CSV)


def percent_cell(share: float | None) -> Cell:
    """A share as a whole percentage on the page ("42 %") and a number in the CSV (42)."""
    if share is None:
        return Cell("—", csv="")
    return Cell(percent(share), csv=whole(share * 100))


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False
    sort: str | None = None  # an org-overview ?sort= key


@dataclass
class Table:
    slug: str
    caption: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    csv_url: str = ""
    empty: str = field(default_factory=lambda: _("Nothing to show."))

    def add(self, *cells) -> None:
        row = [c if isinstance(c, Cell) else Cell("" if c is None else str(c)) for c in cells]
        self.rows.append(
            [replace(c, numeric=col.numeric) for c, col in zip(row, self.columns, strict=True)]
        )


def band_cell(band: str | None) -> Cell:
    return Cell(str(BAND_LABELS.get(band or "", "—")), band=band or None)


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    # Text is neutralised against formulas; numeric columns keep their numbers (negative ones
    # too): socialops/common/csv.py.
    writer = csv.writer(response, numeric=[i for i, c in enumerate(table.columns) if c.numeric])
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([c.text if c.csv is None else c.csv for c in row])
    return response


def names(items: dict) -> dict:
    """Template-friendly keys: "demand-by-category" → tables.demand_by_category."""
    return {key.replace("-", "_"): value for key, value in items.items()}


def with_csv_urls(tables: dict[str, Table], url_name: str, *args) -> dict[str, Table]:
    for slug, table in tables.items():
        table.csv_url = reverse(url_name, args=[*args, slug])
    return tables
