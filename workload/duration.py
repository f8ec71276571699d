"""Parse a duration a person types: `90`, `90m`, `1h30`, `1h 30m`, `1:30`, `1.5h`, `1,5 h`.

Pure Python (Django only to translate messages). A bare number is minutes.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_NUM = r"\d+(?:[.,]\d+)?"
_HOURS_MINUTES = re.compile(
    rf"^(?:(?P<h>{_NUM})\s*(?:h|hr|hrs|hour|hours))?\s*"
    rf"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes)?)?$"
)
_MINUTES = re.compile(rf"^(?P<m>{_NUM})\s*(?:m|min|mins|minute|minutes)?$")
_CLOCK = re.compile(r"^(?P<h>\d{1,2}):(?P<m>[0-5]\d)$")

EXAMPLES = gettext_lazy("90, 90m, 1h30, 1:30 or 1.5h")


class DurationError(ValueError):
    pass


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regexes only pass numbers
        raise DurationError(_("“%(text)s” is not a number.") % {"text": text}) from exc


def parse_duration(text: str) -> int:
    """Minutes in `text`, rounded to the nearest minute. Raises DurationError."""
    if not isinstance(text, str):
        text = str(text)
    raw = text.strip().lower()
    if not raw or len(raw) > 32:
        raise DurationError(_("Enter a duration such as %(examples)s.") % {"examples": EXAMPLES})
    if match := _CLOCK.match(raw):
        minutes = Decimal(int(match["h"]) * 60 + int(match["m"]))
    elif match := _MINUTES.match(raw):
        minutes = _decimal(match["m"])
    elif (match := _HOURS_MINUTES.match(raw)) and match["h"] is not None:
        minutes = _decimal(match["h"]) * 60 + int(match["m"] or 0)
    else:
        raise DurationError(
            _("“%(text)s” is not a duration; try %(examples)s.")
            % {"text": text.strip(), "examples": EXAMPLES}
        )
    return int(minutes.to_integral_value(rounding="ROUND_HALF_UP"))


def format_duration(minutes: int) -> str:
    """90 → '1h30', 45 → '45m', 120 → '2h'."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"
