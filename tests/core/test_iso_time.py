"""``iso_time``, the ``expires`` string of every session, against ``datetime``'s own formatting.

It formats each second once and adds the milliseconds (it runs on every session read), so it must
round exactly as ``datetime.fromtimestamp(t).isoformat(timespec="milliseconds")`` does: to the
microsecond, half to even, then cut to the millisecond.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from authsession._core.context import iso_time


def by_datetime(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


EDGES = [
    0.0,
    1_800_000_000.0,
    1_800_000_000.0005,  # half a millisecond: cut, not rounded up
    1_800_000_000.9999995,  # rounds up to the next second at the microsecond
    1_800_000_000.9994999,
    1_799_999_999.999_999_5,
    -0.000_000_5,
    -1.5,
    2_592_000.123_456_5,  # half a microsecond: half to even
    4_102_444_800.999,  # 2100-01-01
]


@pytest.mark.parametrize("timestamp", EDGES)
def test_edges_match_datetime(timestamp: float) -> None:
    assert iso_time(timestamp) == by_datetime(timestamp)


def test_many_timestamps_match_datetime() -> None:
    draw = random.Random(11)
    stamps = [draw.uniform(-1e9, 4e9) for _ in range(20_000)]
    stamps += [
        draw.randrange(10**9, 4 * 10**9) + micros / 1e6 for micros in (0.5, 1.5, 999_999.5) for _ in range(2_000)
    ]
    wrong = [(t, iso_time(t), by_datetime(t)) for t in stamps if iso_time(t) != by_datetime(t)]
    assert wrong == []


def test_format_is_javascripts_to_iso_string() -> None:
    assert iso_time(1_800_000_000.25) == "2027-01-15T08:00:00.250Z"
