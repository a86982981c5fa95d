"""The shape of each calendar series last written (``series_shapes``): its times, rhythm,
skipped dates and place, by UID. A series whose person left the plan is cancelled in that
shape — the same RRULE and EXDATEs the calendar holds — in every file that held it, on
every rerun, so a calendar that imported it cancels the right meetings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from outreach.ledger.db import LedgerBase, iso, utc_now


@dataclass(frozen=True)
class SeriesShape:
    """One series as last written: ``shape`` is the calendar stage's JSON-ready record
    (``outreach.ical.series.shape_of``), ``person_key`` who it was with ('' for the forum)."""

    uid: str
    series: str
    person_key: str
    shape: Mapping[str, Any] = field(default_factory=dict)


class SeriesMixin(LedgerBase):
    """The ``series_shapes`` table."""

    def series_shapes(self, series: str) -> list[SeriesShape]:
        """Every stored shape of ``series`` (``rotation``, ``forum``), oldest first."""
        rows = self._query("SELECT uid, series, person_key, shape FROM series_shapes "
                          "WHERE series = ? ORDER BY recorded_at, uid", (series,))
        return [SeriesShape(str(r[0]), str(r[1]), str(r[2]), json.loads(r[3])) for r in rows]

    def save_series_shapes(self, shapes: Iterable[SeriesShape]) -> None:
        """Store each series' shape (uid → shape); a row that says the same is left alone."""
        now = iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT INTO series_shapes (uid, series, person_key, shape, recorded_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET "
                "series = excluded.series, person_key = excluded.person_key, "
                "shape = excluded.shape WHERE (series, person_key, shape) IS NOT "
                "(excluded.series, excluded.person_key, excluded.shape)",
                [(s.uid, s.series, s.person_key, json.dumps(dict(s.shape), sort_keys=True), now)
                 for s in shapes])
