"""The one protection engine (reporting/suppression.py), on its own: controlled rounding to
base 5 with keyed cell keys.

- a rounded count is a neighbouring multiple of 5 (so within 4), the same every time it is asked;
- a breakdown adds up exactly to its rounded total, and every breakdown of one population to the
  same one;
- over many cells, rounding up happens about as often as it should (remainder / 5): no bias;
- on roll-ups: a programme figure is the sum of the units' figures, learners = not yet verified +
  verified, enrolments = completed + the rest; the pieces can be worked back from the published
  counts alone (as `published_range` does);
- the ranges it declares hold the truth.

The attacker's view (an integer-programming solver over everything a role sees) is in
test_disclosure_attack.py.
"""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.models import Dimension, Metric
from reporting.suppression import (
    BASE,
    MAX_ERROR,
    NO_UNIT,
    family_subset_range,
    protect_counts,
    protected_pieces,
    published_pieces,
    published_range,
    round_family,
    round_total,
    shown,
)

counts = st.integers(min_value=0, max_value=60)


@given(counts, st.text(max_size=5))
def test_a_rounded_count_is_a_neighbouring_multiple_of_five_and_always_the_same(value, cell):
    rounded = round_total(value, cell=(cell,))
    assert rounded % BASE == 0
    assert abs(rounded - value) <= MAX_ERROR
    assert value - value % BASE <= rounded <= value - value % BASE + BASE
    assert round_total(value, cell=(cell,)) == rounded  # asking again averages nothing out
    if value % BASE == 0:
        assert rounded == value


@given(st.dictionaries(st.text(max_size=3), counts, max_size=8), st.text(max_size=4))
def test_a_breakdown_adds_up_to_its_rounded_total(parts, cell):
    total = round_total(sum(parts.values()), cell=(cell, "total"))
    rounded = round_family(parts, total=total, cell=(cell,))
    assert set(rounded) == set(parts)
    assert sum(rounded.values()) == total
    for key, value in parts.items():
        assert rounded[key] % BASE == 0
        assert value - value % BASE <= rounded[key] <= value - value % BASE + BASE
    assert round_family(parts, total=total, cell=(cell,)) == rounded


def test_a_total_that_is_not_a_rounding_of_the_parts_is_refused():
    with pytest.raises(ValueError):
        round_family({"a": 3, "b": 4}, total=15, cell=("x",))
    with pytest.raises(ValueError):
        round_total(-1, cell=("x",))


def test_rounding_is_unbiased_over_many_cells():
    """A count of 3 rounds to 5 for about 3 cells in 5, a count of 1 for about 1 in 5."""
    for value in (1, 3):
        ups = Counter(round_total(value, cell=("cell", i)) for i in range(4000))
        assert ups[5] / 4000 == pytest.approx(value / BASE, abs=0.03)


def test_the_reported_attack_at_the_engine():
    """9 learners in one month: 5 from one country, 1 from each of four. The month total and the
    countries add up to the same rounded total; each small country is 0 or 5, so "total minus
    the big one" says nothing about any of them."""
    origins = {"SY": 5, "IQ": 1, "SD": 1, "AF": 1, "ER": 1}
    total = round_total(9, cell=("p", "total"))
    rounded = round_family(origins, total=total, cell=("p", "origin"))
    assert total in (5, 10) and sum(rounded.values()) == total
    assert rounded["SY"] == 5
    assert all(rounded[c] in (0, 5) for c in ("IQ", "SD", "AF", "ER"))
    # What each small country stands for, from everything published: 0 to 4, or 1 to 9.
    for country in ("IQ", "SD", "AF", "ER"):
        low, high = family_subset_range(rounded, [country], total=total)
        assert (low, high) == ((0, 4) if rounded[country] == 0 else (1, 9))


def rollup_counts(partners: dict, none: dict) -> dict:
    """Roll-up counts for units given as {unit: {(metric, dimension, key): value}}, with the
    programme scope their sum and the partner dimension their totals."""
    out: dict = {}
    for scope, own in [*partners.items(), (None, none)]:
        for (metric, dimension, key), value in own.items():
            if scope is not None:
                out[scope, metric, dimension, key] = value
            out[None, metric, dimension, key] = out.get((None, metric, dimension, key), 0) + value
            if dimension == Dimension.TOTAL:
                partner_key = "" if scope is None else str(scope)
                out[None, metric, Dimension.PARTNER, partner_key] = value
    return out


def learners(verified_by_month: dict, unverified_by_month: dict, stage: str) -> dict:
    out = {}
    for month in set(verified_by_month) | set(unverified_by_month):
        v, u = verified_by_month.get(month, 0), unverified_by_month.get(month, 0)
        out[Metric.LEARNERS, Dimension.MONTH, month] = v + u
        out[Metric.VERIFIED, Dimension.MONTH, month] = v
    v, u = sum(verified_by_month.values()), sum(unverified_by_month.values())
    out[Metric.LEARNERS, Dimension.TOTAL, ""] = v + u
    out[Metric.VERIFIED, Dimension.TOTAL, ""] = v
    out[Metric.LEARNERS, Dimension.STAGE, stage] = u
    out[Metric.LEARNERS, Dimension.STAGE, "3"] = v
    out[Metric.VERIFIED, Dimension.STAGE, "3"] = v
    return out


months = st.dictionaries(st.sampled_from(["2026-01", "2026-02", "2026-03"]), counts, max_size=3)


@settings(max_examples=60, deadline=None)
@given(months, months, months, months, months)
def test_protected_rollups_add_up_everywhere(a_v, a_u, b_v, b_u, none_u):
    truth = rollup_counts(
        {1: learners(a_v, a_u, "2"), 2: learners(b_v, b_u, "2")}, learners({}, none_u, "1")
    )
    published = protect_counts(truth)
    assert set(published) == set(truth)
    assert all(v % BASE == 0 for v in published.values())
    for scope in (None, 1, 2):
        for metric in (Metric.LEARNERS, Metric.VERIFIED):
            total = published[scope, metric, Dimension.TOTAL, ""]
            for dimension in (Dimension.MONTH, Dimension.STAGE):
                family = [
                    v
                    for (s, m, d, _k), v in published.items()
                    if (s, m, d) == (scope, metric, dimension)
                ]
                assert sum(family) == total, (scope, metric, dimension)
    # The programme adds up the units; a partner row is the partner's total.
    for (scope, metric, dimension, key), value in published.items():
        if scope is None and dimension not in (Dimension.PARTNER,):
            units = [published.get((p, metric, dimension, key), 0) for p in (1, 2)]
            assert value >= sum(units)  # plus the partnerless learners' piece
        if dimension == Dimension.PARTNER and key:
            assert value == published[int(key), metric, Dimension.TOTAL, ""]
    # Verified never above learners, anywhere.
    for (scope, metric, dimension, key), value in published.items():
        if metric == Metric.VERIFIED:
            assert value <= published[scope, Metric.LEARNERS, dimension, key]
    # The pieces can be worked back from what is published, and the ranges hold the truth.
    pieces = protected_pieces(truth)
    assert {k: v for k, v in published_pieces(published).items() if v} == {
        k: v for k, v in pieces.items() if v
    }
    for (scope, metric, dimension, key), value in truth.items():
        if dimension == Dimension.PARTNER:
            units, dimension, key = [key or NO_UNIT], Dimension.TOTAL, ""
        else:
            units = ["1", "2", NO_UNIT] if scope is None else [str(scope)]
        low, high = published_range(
            pieces, units=units, metric=metric, dimension=dimension, keys=[key]
        )
        assert low <= value <= high, (scope, metric, dimension, key, value, low, high)


def test_a_protected_zero_is_shown_as_less_than_five():
    assert shown(0) == "<5"
    assert shown(5) == "5"
    assert shown(1250) == "1250"
