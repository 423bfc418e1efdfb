"""The one suppression engine: every count a person can obtain (dashboards, exports, e-mailed
reports) is a *protected* count computed here once, at each roll-up refresh, and stored beside the
true one (`SummaryCount.published`, `SeatUsage.used_published`, `DecisionTime.decisions_published`).
Readers only ever read the protected column, so every output shows the same numbers.

The method (docs/decisions/0012-safe-counts-controlled-rounding.md): **controlled rounding to
base 5, driven by a keyed cell key**, applied per *unit* (each partner, and the learners or
credentials that belong to no partner) and per *population* (learners not yet verified, verified
learners, applications, completed enrolments, other enrolments, credentials):

- a population's total is rounded to one of its two neighbouring multiples of 5, up with
  probability remainder/5 (a keyed hash of the cell and its value is the coin: the same cell with
  the same count always rounds the same way, so asking again, or every day, averages nothing out);
- each breakdown of it (by month, country of residence, country of origin, funnel stage, provider,
  course) is rounded the same way cell by cell, *controlled* so that its cells add up exactly to the
  rounded total: the cells whose remainder and key score highest go up, the others down;
- everything else is a sum of these: learners = not yet verified + verified, enrolments =
  completed + other, a programme figure = the sum of the units' figures, an "Other" row = the sum
  of its rows, a funnel step = the sum of the stages from it on.

So every number shown is a multiple of 5 ("<5" stands for a rounded 0: 0 to 4), within 4 of the
truth for each rounded piece it adds up, and all the numbers one role can see are the exact sums of
one consistent set of rounded pieces: whatever tables, totals, dashboards and reports are combined,
no piece can be narrowed below its published range (a piece R stands for any count from R-4 to
R+4, at least 0). `published_range` says what range a printed number stands for; the attacker test
(tests/reporting/test_disclosure_attack.py) checks with an integer-programming solver that this is
exactly the tightest an attacker can get.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping

from portal.crypto import keyed_hash

from .models import Dimension, Metric

BASE = 5
MAX_ERROR = BASE - 1  # a rounded piece is within this of the truth
SMALL_SHOWN = "<5"  # a rounded 0: the count is below 5 (it may be 0)

NO_UNIT = ""  # learners who have not applied yet, credentials whose enrolment was erased

# The populations counted, as (name, the metric whose rows hold it, what is subtracted).
# Learners are split into not yet verified and verified, enrolments into completed and the
# rest: a verified learner is also a learner, a completion also an enrolment, and publishing
# the two as separately rounded counts would let "verified <= learners" narrow them.
POPULATIONS = {
    "unverified": (Metric.LEARNERS, Metric.VERIFIED),
    "verified": (Metric.VERIFIED, None),
    "applications": (Metric.APPLICATIONS, None),
    "completed": (Metric.COMPLETIONS, None),
    "uncompleted": (Metric.ENROLMENTS, Metric.COMPLETIONS),
    "credentials": (Metric.CREDENTIALS, None),
}
# Each metric as the sum of populations.
METRIC_POPULATIONS = {
    Metric.LEARNERS: ("unverified", "verified"),
    Metric.VERIFIED: ("verified",),
    Metric.APPLICATIONS: ("applications",),
    Metric.ENROLMENTS: ("completed", "uncompleted"),
    Metric.COMPLETIONS: ("completed",),
    Metric.CREDENTIALS: ("credentials",),
}
VERIFIED_STAGE = 3  # funnel stages from here on are verified learners


def shown(value: int) -> str:
    """A protected count as text (no grouping: CSV files); "<5" for a rounded 0."""
    return SMALL_SHOWN if value == 0 else str(value)


# --- rounding -------------------------------------------------------------------------------------


@functools.cache
def _cell_key_secret() -> bytes:
    """A key for the cell keys, derived once per process from the portal's hashing key."""
    return bytes.fromhex(keyed_hash("cell keys", purpose="reporting-rounding"))


def _coin(*parts: object) -> float:
    """A uniform number in [0, 1) fixed by the cell and its count, secret without the portal's
    key: the cell key. (Keyed BLAKE2b: a refresh draws millions of them.)"""
    data = "|".join(str(p) for p in parts).encode()
    digest = hashlib.blake2b(data, key=_cell_key_secret(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _floor(n: int) -> int:
    return n - n % BASE


def round_total(value: int, *, cell: tuple) -> int:
    """One count to a neighbouring multiple of BASE, up with probability remainder / BASE."""
    if value < 0:
        raise ValueError("counts are never negative")
    low = _floor(value)
    if low == value:
        return value
    return low + BASE if _coin(*cell, value) < (value - low) / BASE else low


def round_family(parts: Mapping[str, int], *, total: int, cell: tuple) -> dict[str, int]:
    """Each part to a neighbouring multiple of BASE so that they add up to `total` (the rounded
    sum of the parts, from `round_total`): controlled rounding. The parts that go up are those
    with the highest remainder/BASE - coin, so each goes up about as often as it should."""
    if any(v < 0 for v in parts.values()):
        raise ValueError("counts are never negative")
    true_total = sum(parts.values())
    if not (_floor(true_total) <= total <= _floor(true_total) + BASE) or total % BASE:
        raise ValueError("the total is not a rounding of the parts' sum")
    rounded = {key: _floor(v) for key, v in parts.items()}
    ups = (total - sum(rounded.values())) // BASE
    candidates = [key for key, v in parts.items() if v % BASE]
    if not 0 <= ups <= len(candidates):  # pragma: no cover - impossible by arithmetic
        raise ValueError("no controlled rounding")
    ranked = sorted(
        candidates,
        key=lambda k: ((parts[k] % BASE) / BASE - _coin(*cell, k, parts[k]), k),
        reverse=True,
    )
    for key in ranked[:ups]:
        rounded[key] += BASE
    return rounded


# --- the roll-ups ---------------------------------------------------------------------------------

# (scope partner id or None, metric, dimension, key) -> value
Counts = Mapping[tuple, int]


def _units(counts: Counts) -> dict[str, dict[tuple, int]]:
    """Each unit's own counts: (metric, dimension, key) -> value. A partner's are its scope's;
    the rest of the programme's (learners without a partner...) form the unit NO_UNIT."""
    units: dict[str, dict[tuple, int]] = defaultdict(dict)
    programme: dict[tuple, int] = {}
    for (scope, metric, dimension, key), value in counts.items():
        if dimension == Dimension.PARTNER:
            continue
        if scope is None:
            programme[metric, dimension, key] = value
        else:
            units[str(scope)][metric, dimension, key] = value
    rest = dict(programme)
    for own in units.values():
        for cell, value in own.items():
            rest[cell] = rest.get(cell, 0) - value
    if any(v < 0 for v in rest.values()):
        raise ValueError("a partner counts more than the programme")
    units[NO_UNIT] = rest
    return units


def _population_families(own: dict[tuple, int], population: str) -> dict[str, dict[str, int]]:
    """dimension -> key -> count of one population of one unit (the total under TOTAL, "")."""
    metric, minus = POPULATIONS[population]
    families: dict[str, dict[str, int]] = defaultdict(dict)
    for (m, dimension, key), value in own.items():
        if m != metric:
            continue
        if dimension == Dimension.STAGE:
            verified = key.isdigit() and int(key) >= VERIFIED_STAGE
            if verified != (population == "verified"):
                continue  # stages belong to one learner population or the other
            if minus is not None:
                value -= own.get((minus, dimension, key), 0)
        elif minus is not None:
            value -= own.get((minus, dimension, key), 0)
        families[dimension][key] = value
    return families


def protect_counts(counts: Counts) -> dict[tuple, int]:
    """The protected value of every count of the roll-ups (same keys as `counts`)."""
    pieces = protected_pieces(counts)
    programme: dict[tuple, int] = defaultdict(int)  # the sum over the units
    for (_unit, population, dimension, key), value in pieces.items():
        programme[population, dimension, key] += value
    published: dict[tuple, int] = {}
    for scope, metric, dimension, key in counts:
        populations = METRIC_POPULATIONS[metric]
        if dimension == Dimension.PARTNER:  # programme-wide only: the unit's total
            unit = key or NO_UNIT
            value = sum(pieces.get((unit, p, Dimension.TOTAL, ""), 0) for p in populations)
        elif scope is None:
            value = sum(programme.get((p, dimension, key), 0) for p in populations)
        else:
            value = sum(pieces.get((str(scope), p, dimension, key), 0) for p in populations)
        published[scope, metric, dimension, key] = value
    return published


def protected_pieces(counts: Counts) -> dict[tuple, int]:
    """The rounded pieces everything is added up from: (unit, population, dimension, key) ->
    rounded count. Units are partner ids as text, and NO_UNIT."""
    pieces: dict[tuple, int] = {}
    for unit, own in _units(counts).items():
        for population in POPULATIONS:
            families = _population_families(own, population)
            true_total = families.get(Dimension.TOTAL, {}).get("", 0)
            total = round_total(true_total, cell=(unit, population, Dimension.TOTAL))
            pieces[unit, population, Dimension.TOTAL, ""] = total
            for dimension, parts in families.items():
                if dimension == Dimension.TOTAL:
                    continue
                if dimension == Dimension.STAGE and sum(parts.values()) != true_total:
                    raise ValueError("the funnel stages do not add up to the learners")
                for key, value in round_family(
                    parts, total=total, cell=(unit, population, dimension)
                ).items():
                    pieces[unit, population, dimension, key] = value
    return pieces


# --- what a printed number stands for ----------------------------------------------------------


def published_pieces(published: Counts) -> dict[tuple, int]:
    """The rounded pieces, worked back from the published counts alone (what anyone who sees
    them can do): (unit, population, dimension, key) -> rounded count."""
    pieces: dict[tuple, int] = {}
    for unit, own in _units(published).items():
        for population in POPULATIONS:
            for dimension, parts in _population_families(own, population).items():
                for key, value in parts.items():
                    pieces[unit, population, dimension, key] = value
    return pieces


def _piece_range(value: int) -> tuple[int, int]:
    return max(0, value - MAX_ERROR), value + MAX_ERROR


# Pieces that cannot be anything but 0, as everyone knows: a learner without a partner has not
# applied (so is neither verified nor enrolled, and has no application), and a partner's learner
# has applied (so is never at the first stage).
NEEDS_A_PARTNER = {"verified", "applications", "completed", "uncompleted"}


def impossible(unit: str, population: str, dimension: str | None = None, key: str = "") -> bool:
    """Whether the piece is 0 by the rules of the programme (known to anyone)."""
    if unit == NO_UNIT and population in NEEDS_A_PARTNER:
        return True
    if dimension == Dimension.STAGE:
        stage = int(key) if key.isdigit() else 0
        if population == "verified":
            return stage < VERIFIED_STAGE
        if population == "unverified":
            return stage != (1 if unit == NO_UNIT else 2)
    return False


def family_subset_range(
    parts: Mapping[str, int], keys: Iterable[str], *, total: int
) -> tuple[int, int]:
    """The true counts that the rounded sum of `keys` of one family stands for, given the whole
    family (every key it may have: one that is not listed is a piece of 0) and its rounded total
    (all published): the tightest range, and the one an attacker gets."""
    keys = set(keys)
    inside = [_piece_range(v) for k, v in parts.items() if k in keys]
    outside = [_piece_range(v) for k, v in parts.items() if k not in keys]
    total_low, total_high = _piece_range(total)
    low = max(sum(lo for lo, _hi in inside), total_low - sum(hi for _lo, hi in outside))
    high = min(sum(hi for _lo, hi in inside), total_high - sum(lo for lo, _hi in outside))
    return low, high


UNLISTED = object()  # stands for the keys a family may have but does not list


def published_range(
    pieces: Mapping[tuple, int],
    *,
    units: Iterable[str],
    metric: str,
    dimension: str,
    keys: Iterable[str] = ("",),
    universe: Iterable[str] | None = None,
) -> tuple[int, int]:
    """The true counts a printed number stands for: the sum, over `units` and the metric's
    populations, of the rounded pieces of `dimension` with these `keys` (TOTAL: key ""). The
    `universe` is every key the dimension can have (default: more than are listed)."""
    keys = list(keys)
    low = high = 0
    for unit in units:
        for population in METRIC_POPULATIONS[metric]:
            if impossible(unit, population):
                continue
            total = pieces.get((unit, population, Dimension.TOTAL, ""), 0)
            if dimension == Dimension.TOTAL:
                lo, hi = _piece_range(total)
            else:
                parts = {
                    key: value
                    for (u, p, d, key), value in pieces.items()
                    if u == unit and p == population and d == dimension
                }
                for key in [*(universe or [UNLISTED]), *keys]:
                    parts.setdefault(key, 0)
                parts = {
                    key: value
                    for key, value in parts.items()
                    if key is UNLISTED or not impossible(unit, population, dimension, key)
                }
                lo, hi = family_subset_range(parts, keys, total=total)
            low, high = low + lo, high + hi
    return low, high
