"""A table a column at a time, without pandas (issue 23).

``outreach campaign`` reads 100,000 connections, keeps a few hundred peers and writes them to
peers.csv: importing pandas and building a DataFrame for that cost more than the work. The
connections (``ingest.read_connections``) and the peers (``peers.find_peers_in``) are a
``Columns``: named columns of plain Python values, the cells a DataFrame built from them would
hold (``to_frame``, for the library's DataFrame API and ``outreach peers``'s table), and read
back from one as its ``tolist`` gives them (``from_frame``).
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_IDENTITY = frozenset({"first_name", "last_name", "url", "email", "company"})
"""The columns a row's identity key is worked out from (``model.identity_key``)."""
MISSING = float("nan")
"""A cell a row does not have (``concat`` of tables with other columns), as pandas fills it."""


class Columns:
    """Named columns of equal length. A name may repeat (two columns of one name in a file):
    reading a name gives its first column, as ``people`` reads the last. ``keys``: each
    row's identity key when the reader worked it out (``ingest``), so that the people built
    from the rows need not work it out again (``model.people_from_columns``); no column."""

    def __init__(self, names: Iterable[str], cells: Iterable[Sequence[Any]], count: int,
                 keys: list[str] | None = None):
        self.names = list(names)
        self.cells = list(cells)
        self.count = count
        self.keys = keys

    def __len__(self) -> int:
        return self.count

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> Sequence[Any]:
        return self.cells[self.names.index(name)]

    def get(self, name: str, default: object = None) -> Sequence[Any]:
        """The column ``name``, or ``default`` in every row."""
        return self[name] if name in self.names else [default] * self.count

    def set(self, name: str, values: Sequence[Any]) -> None:
        """The column ``name`` replaced (in its place) or added at the end, as a DataFrame's
        ``frame[name] = values`` does."""
        if len(values) != self.count:
            raise ValueError(f"{name}: {len(values)} values for {self.count} rows")
        if name in _IDENTITY:
            self.keys = None  # worked out from the cells this replaces
        if name in self.names:
            self.cells[self.names.index(name)] = values
        else:
            self.names.append(name)
            self.cells.append(values)

    def rows(self, indices: Sequence[int]) -> Columns:
        """The rows at ``indices``, in that order (a new table; its columns are lists)."""
        if len(indices) < 2:  # itemgetter of one index gives the cell, not a tuple
            def pick(column: Sequence[Any]) -> list[Any]:
                return [column[i] for i in indices]
        else:
            def pick(column: Sequence[Any]) -> list[Any]:
                return list(operator.itemgetter(*indices)(column))
        return Columns(self.names, map(pick, self.cells), len(indices),
                       None if self.keys is None else pick(self.keys))

    def where(self, keep: Sequence[bool]) -> Columns:
        """The rows where ``keep`` is true, in order."""
        return self.rows([i for i, kept in enumerate(keep) if kept])

    def concat(self, other: Columns) -> Columns:
        """This table's rows, then ``other``'s, on this table's columns then ``other``'s new
        ones; a column one of them lacks is ``MISSING`` there (``pd.concat``'s rule)."""
        names = self.names + [n for n in other.names if n not in self.names]
        cells = [[*self.get(n, MISSING), *other.get(n, MISSING)] for n in names]
        keys = (None if self.keys is None or other.keys is None
                else [*self.keys, *other.keys])
        return Columns(names, cells, self.count + other.count, keys)

    def last_of_each(self) -> Columns:
        """Each name once, its last column (a file with two columns of one name)."""
        if len(set(self.names)) == len(self.names):
            return self
        last = {name: i for i, name in enumerate(self.names)}
        kept = [i for i, name in enumerate(self.names) if last[name] == i]
        return Columns([self.names[i] for i in kept], [self.cells[i] for i in kept],
                       self.count, self.keys)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Columns:
        """A DataFrame's columns as its ``tolist`` gives them."""
        return cls(list(frame.columns),
                   [frame.iloc[:, i].tolist() for i in range(frame.shape[1])], len(frame))

    def to_frame(self) -> pd.DataFrame:
        """The DataFrame of these columns (index 0..n-1; repeated names kept)."""
        # Nothing here multiplies matrices: numpy's OpenBLAS need not start (and spin) a
        # thread per core when pandas first loads it, a tenth of a campaign's start-up CPU.
        # A choice the user made, or numpy already loaded, stands.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        import pandas as pd

        if not self.count:  # no rows: columns of no type (object), as a frame of no records has
            return pd.DataFrame([], columns=self.names)
        frame = pd.DataFrame(dict(enumerate(self.cells)), index=pd.RangeIndex(self.count))
        frame.columns = pd.Index(self.names)  # names may repeat: not dict keys
        return frame
