"""Safe counts: small numbers are never shown, and never recoverable from what is shown.

Every count that leaves the portal (exports, scheduled reports, partner dashboards) goes through
here. *Primary* suppression hides each count from 1 to 4 (shown "<5"); *secondary* suppression
hides enough other entries (shown as a dash) that no hidden entry can be worked out from the shown
entries and the row, column and grand totals.

How the protection is checked. A table of r x c counts with totals is an (r+1) x (c+1) grid whose
last row and column hold the totals. Each row of the grid and each column of the grid is one
linear equation (its cells add up to its total). A hidden entry is *derivable* when the equations,
with every shown entry put in, fix its value:

- exactly, by linear algebra: its unit vector lies in the row space of the equations restricted
  to the hidden unknowns (checked with exact rational Gaussian elimination, `fractions.Fraction`);
- or with what an attacker also knows: every count is a whole number >= 0, and a "<5" entry is
  1 to 4. That is checked as a flow problem: the grid is a bipartite graph (grid rows on one side,
  grid columns on the other, hidden entries as edges) and the values that fit the published table
  differ from the true ones by circulations along alternating cycles. The constraint matrix is
  totally unimodular, so a hidden entry can take another whole value iff it lies on a directed
  cycle of the residual graph (one step of +1/-1 around the cycle keeps every entry in bounds).

Secondary suppressions are added until no hidden entry is derivable: first every grid line that
holds a hidden entry gets a second one (the cheapest shown entry: the smallest non-zero count,
then a zero, then a total, the grand total last); then, while the exact checks find a derivable
entry, the cheapest entry that puts it back on a cycle is hidden.

The reader model: "<5" is a whole number from 1 to 4; a dash (secondary) is any whole number
>= 0, as is usual in statistical disclosure control. A reader who also
assumes that a dash is never 1 to 4 can narrow some intervals further. When the whole table is
hidden and "<5" alone still gives a count away (four cells "<5" under a grand total "<5" must
each be 1), some small counts are shown as a dash instead of "<5": that says less, never more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

SMALL_MAX = 4  # counts from 1 to SMALL_MAX are never shown
SMALL_SHOWN = "<5"
HIDDEN_SHOWN = "\u2013"  # an en dash: hidden so that a small count cannot be worked out

PRIMARY = "primary"
SECONDARY = "secondary"
INFINITY = float("inf")


def safe_count(n: int) -> str:
    """A count as it may leave the portal: "0", "<5" for 1 to 4, otherwise the number."""
    if n < 0:
        raise ValueError("counts are never negative")
    if n == 0:
        return "0"
    if n <= SMALL_MAX:
        return SMALL_SHOWN
    return str(n)


@dataclass
class Cell:
    """One entry of a published table: its true value, what is shown, and whether it is hidden."""

    value: int
    shown: str
    hidden: bool


@dataclass
class SuppressedTable:
    """A table ready to publish. Without totals, `row_totals` and `column_totals` are empty and
    `grand_total` is None."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    grand_total: Cell | None


@dataclass
class SuppressedList:
    """A list of counts with (optionally) its total, ready to publish."""

    cells: list[Cell]
    total: Cell | None


# --- exact linear algebra ---------------------------------------------------------------------


def linearly_derivable(equations: Iterable[dict], hidden: Iterable) -> set:
    """The hidden unknowns whose value the equations fix, whatever the other hidden values are.

    `equations` map unknowns to integer coefficients (each equation says their weighted sum is
    known once the shown entries are put in). Gaussian elimination with exact fractions to
    reduced row echelon form: unknown k is fixed iff e_k is in the row space, i.e. iff some
    reduced row is exactly e_k.
    """
    hidden = set(hidden)
    pivots: dict = {}  # pivot unknown -> its reduced row (pivot coefficient 1)
    for equation in equations:
        row = {v: Fraction(c) for v, c in equation.items() if v in hidden and c}
        for var in [v for v in row if v in pivots]:
            coef = row.get(var)
            if coef:
                for v, c in pivots[var].items():
                    row[v] = row.get(v, 0) - coef * c
        row = {v: c for v, c in row.items() if c}
        if not row:
            continue
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {v: c / scale for v, c in row.items()}
        for other in pivots.values():
            coef = other.get(pivot)
            if coef:
                for v, c in row.items():
                    updated = other.get(v, 0) - coef * c
                    if updated:
                        other[v] = updated
                    else:
                        other.pop(v, None)
        pivots[pivot] = row
    return {var for var, row in pivots.items() if len(row) == 1}


# --- two-way tables ---------------------------------------------------------------------------


class _Grid:
    """The (r+1) x (c+1) grid of a table with its totals, and what is hidden in it."""

    def __init__(self, rows: list[list[int]]):
        self.r = len(rows)
        self.c = len(rows[0]) if rows else 0
        self.value: dict[tuple[int, int], int] = {}
        for i, row in enumerate(rows):
            for j, n in enumerate(row):
                self.value[i, j] = n
            self.value[i, self.c] = sum(row)
        for j in range(self.c):
            self.value[self.r, j] = sum(row[j] for row in rows)
        self.value[self.r, self.c] = sum(sum(row) for row in rows)
        self.kind: dict[tuple[int, int], str] = {
            pos: PRIMARY for pos, n in self.value.items() if 1 <= n <= SMALL_MAX
        }

    # Each entry's sign in its two equations: cells and the grand total +1, totals -1, so that
    # every grid row and every grid column adds up to zero.
    def sign(self, pos: tuple[int, int]) -> int:
        i, j = pos
        return 1 if (i == self.r) == (j == self.c) else -1

    def lines(self, pos: tuple[int, int]) -> list[list[tuple[int, int]]]:
        i, j = pos
        return [
            [(i, k) for k in range(self.c + 1)],
            [(k, j) for k in range(self.r + 1)],
        ]

    def all_lines(self) -> list[list[tuple[int, int]]]:
        rows = [[(i, k) for k in range(self.c + 1)] for i in range(self.r + 1)]
        cols = [[(k, j) for k in range(self.r + 1)] for j in range(self.c + 1)]
        return rows + cols

    def equations(self) -> list[dict[tuple[int, int], int]]:
        return [{pos: self.sign(pos) for pos in line} for line in self.all_lines()]

    def cost(self, pos: tuple[int, int]) -> tuple:
        """Which entry to hide first: a cell before a total, the grand total last; a non-zero
        count before a zero (a zero hidden helps less); one whose two lines already hold hidden
        entries (it closes a cycle rather than start a new line to protect); then the smallest."""
        i, j = pos
        n = self.value[pos]
        is_total = i == self.r or j == self.c
        is_grand = i == self.r and j == self.c
        opens_line = not all(any(p in self.kind for p in line) for line in self.lines(pos))
        return (is_grand, is_total, n == 0, opens_line, n, pos)

    def bounds(self, pos: tuple[int, int]) -> tuple[float, float]:
        """What someone reading the table knows about a hidden entry."""
        return (1, SMALL_MAX) if self.kind.get(pos) == PRIMARY else (0, INFINITY)

    # --- the residual graph: vertices 0..r are grid rows, r+1..r+c+1 grid columns ---------------

    def arcs(self, pos: tuple[int, int], kind: str | None = None) -> list[tuple[int, int]]:
        """Arcs of a hidden entry: row->column if the entry's signed value may go up by one,
        column->row if it may go down by one, staying within what the reader knows."""
        i, j = pos
        row, col = i, self.r + 1 + j
        n, s = self.value[pos], self.sign(pos)
        lo, hi = (1, SMALL_MAX) if (kind or self.kind.get(pos)) == PRIMARY else (0, INFINITY)
        out = []
        if lo <= n + s <= hi:
            out.append((row, col))
        if lo <= n - s <= hi:
            out.append((col, row))
        return out

    def graph(self) -> dict[int, list[int]]:
        adjacency: dict[int, list[int]] = {v: [] for v in range(self.r + self.c + 2)}
        for pos in self.kind:
            for u, v in self.arcs(pos):
                adjacency[u].append(v)
        return adjacency

    def determined(self) -> list[tuple[int, int]]:
        """Hidden entries that the shown entries, the totals and the bounds fix to one value."""
        component = _strong_components(self.graph())
        found = [
            pos
            for pos in self.kind
            if not any(component[u] == component[v] for u, v in self.arcs(pos))
        ]
        if not found:
            found = sorted(linearly_derivable(self.equations(), self.kind))
        return sorted(found, key=lambda pos: (self.kind[pos] != PRIMARY, pos))

    def hide(self, pos: tuple[int, int]) -> None:
        self.kind.setdefault(pos, SECONDARY)

    def cheapest(self, candidates: Iterable[tuple[int, int]]) -> tuple[int, int] | None:
        shown = [pos for pos in candidates if pos not in self.kind]
        return min(shown, key=self.cost) if shown else None

    # --- the two steps ---------------------------------------------------------------------------

    def hide_one_per_lonely_line(self) -> None:
        """Until stable: every grid line with a hidden entry holds at least two."""
        changed = True
        while changed:
            changed = False
            for line in self.all_lines():
                if sum(pos in self.kind for pos in line) == 1:
                    pos = self.cheapest(line)
                    if pos is not None:
                        self.hide(pos)
                        changed = True

    def protect(self, pos: tuple[int, int]) -> bool:
        """Hide one more entry so that `pos` is no longer fixed; False if nothing is left."""
        graph = self.graph()
        reverse: dict[int, list[int]] = {v: [] for v in graph}
        for u, targets in graph.items():
            for v in targets:
                reverse[v].append(u)
        helpful = []
        for u, v in self.arcs(pos):
            ahead = _reachable(graph, v)  # where the cycle can go after this arc...
            back = _reachable(reverse, u)  # ...and from where it can come back
            for other in self.value:
                if other in self.kind:
                    continue
                for a, b in self.arcs(other, SECONDARY):
                    if a in ahead and b in back:
                        helpful.append(other)
        choice = self.cheapest(helpful)
        if choice is None:  # no single entry closes a cycle: grow one from this entry's lines
            choice = self.cheapest(p for line in self.lines(pos) for p in line)
        if choice is None:
            choice = self.cheapest(self.value)
        if choice is not None:
            self.hide(choice)
            return True
        # Everything is hidden, and "<5" alone still gives a count away (four cells of 1 under a
        # grand total below 5 must each be 1): say less about one small entry (a dash, not "<5").
        near = [pos] + [p for line in self.lines(pos) for p in line] + sorted(self.kind)
        weaker = next((p for p in near if self.kind[p] == PRIMARY), None)
        if weaker is None:
            return False
        self.kind[weaker] = SECONDARY
        return True


def _reachable(graph: dict[int, list[int]], start: int) -> set[int]:
    seen = {start}
    todo = [start]
    while todo:
        for v in graph[todo.pop()]:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def _strong_components(graph: dict[int, list[int]]) -> dict[int, int]:
    """Tarjan's algorithm, iterative: vertex -> component number."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    component: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            advanced = False
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(graph[w])))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component[w] = v
                    if w == v:
                        break
    return component


def _cell(value: int, kind: str | None) -> Cell:
    if kind == PRIMARY:
        return Cell(value, SMALL_SHOWN, True)
    if kind == SECONDARY:
        return Cell(value, HIDDEN_SHOWN, True)
    return Cell(value, safe_count(value), False)


def _check_counts(values: Iterable[int]) -> None:
    for n in values:
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"counts are whole numbers >= 0, not {n!r}")


def suppress_table(rows: list[list[int]], *, with_totals: bool = True) -> SuppressedTable:
    """Primary and secondary suppression of a table of counts (rows x columns).

    With totals (row totals, column totals and the grand total, which are published too), enough
    entries are hidden that none of the hidden ones can be worked out; without totals, only the
    counts from 1 to 4 are hidden.
    """
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError("every row needs the same number of columns")
    for row in rows:
        _check_counts(row)
    if not with_totals:
        cells = [[_cell(n, PRIMARY if 1 <= n <= SMALL_MAX else None) for n in row] for row in rows]
        return SuppressedTable(cells, [], [], None)

    grid = _Grid([list(row) for row in rows])
    grid.hide_one_per_lonely_line()
    while True:
        determined = grid.determined()
        if not determined or not grid.protect(determined[0]):
            break
        grid.hide_one_per_lonely_line()

    def cell(pos):
        return _cell(grid.value[pos], grid.kind.get(pos))

    r, c = grid.r, grid.c
    return SuppressedTable(
        cells=[[cell((i, j)) for j in range(c)] for i in range(r)],
        row_totals=[cell((i, c)) for i in range(r)],
        column_totals=[cell((r, j)) for j in range(c)],
        grand_total=cell((r, c)),
    )


# --- lists ------------------------------------------------------------------------------------


def _list_determined(values: list[int], kind: dict[int, str], total_at: int | None) -> list[int]:
    """Hidden entries of a list that its total fixes (entry total_at is the total, sign -1)."""
    if total_at is None:
        return []

    def sign(k):
        return -1 if k == total_at else 1

    def signed_range(k):
        lo, hi = (1, SMALL_MAX) if kind[k] == PRIMARY else (0, INFINITY)
        return (lo, hi) if sign(k) > 0 else (-hi, -lo)

    shown_sum = sum(sign(k) * n for k, n in enumerate(values) if k not in kind)
    found = []
    for k in kind:
        # sign(k) * x_k = -shown_sum - (sum of the other hidden signed entries)
        others = [signed_range(q) for q in kind if q != k]
        lo = -shown_sum - sum(hi for _lo, hi in others)
        hi = -shown_sum - sum(lo for lo, _hi in others)
        own_lo, own_hi = signed_range(k)
        lo, hi = max(lo, own_lo), min(hi, own_hi)
        if lo >= hi:
            found.append(k)
    if not found:
        equation = {k: sign(k) for k in range(len(values))}
        found = sorted(linearly_derivable([equation], kind))
    return sorted(found, key=lambda k: (kind[k] != PRIMARY, k))


def suppress_list(counts: list[int], *, with_total: bool = True) -> SuppressedList:
    """Primary and secondary suppression of one list of counts (a column) and its total."""
    _check_counts(counts)
    values = [*counts, sum(counts)] if with_total else list(counts)
    total_at = len(counts) if with_total else None
    kind = {k: PRIMARY for k, n in enumerate(values) if 1 <= n <= SMALL_MAX}

    def cost(k):
        return (k == total_at, values[k] == 0, values[k], k)

    while determined := _list_determined(values, kind, total_at):
        shown = [k for k in range(len(values)) if k not in kind]
        if shown:
            kind[min(shown, key=cost)] = SECONDARY
            continue
        # All hidden and "<5" alone still tells (four counts of 1 under a total below 5).
        weaker = next((k for k in [*determined, *kind] if kind[k] == PRIMARY), None)
        if weaker is None:
            break
        kind[weaker] = SECONDARY
    cells = [_cell(n, kind.get(k)) for k, n in enumerate(values)]
    if with_total:
        return SuppressedList(cells[:-1], cells[-1])
    return SuppressedList(cells, None)


# --- printable tables -------------------------------------------------------------------------


def suppressed_rows(
    header: Sequence[str],
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    totals: bool = True,
    row_totals: bool = True,
) -> list[list[str]]:
    """The table as it is printed (CSV, e-mail): a heading row, one row per label with its shown
    counts, and with `totals` a total row and (unless `row_totals` is False) a total column.

    `header` names the label column then each count column; it may also leave out the label
    column's name. A table with one count column is a list: it gets a total row but no total
    column (which would only repeat it). Without row totals (columns that measure different
    things, which it makes no sense to add up) each column is protected as a list with its
    total, which hides fewer cells than protecting against row totals too.
    """
    width = len(rows[0][1]) if rows else max(len(header) - 1, 0)
    if len(header) == width:
        header = ["", *header]
    elif len(header) != width + 1:
        raise ValueError("the header must name the label column (optional) and each count column")
    labels = [str(label) for label, _values in rows]
    total = _("Total")
    if width == 1 or (totals and not row_totals):
        columns = [
            suppress_list([values[j] for _label, values in rows], with_total=totals)
            for j in range(width)
        ]
        out = [[str(h) for h in header]]
        for i, label in enumerate(labels):
            out.append([label, *(column.cells[i].shown for column in columns)])
        if totals:
            out.append([total, *(column.total.shown for column in columns)])
        return out
    table = suppress_table([list(values) for _label, values in rows], with_totals=totals)
    out = [[str(h) for h in header] + ([total] if totals else [])]
    for i, label in enumerate(labels):
        line = [label] + [c.shown for c in table.cells[i]]
        if totals:
            line.append(table.row_totals[i].shown)
        out.append(line)
    if totals:
        out.append([total] + [c.shown for c in table.column_totals] + [table.grand_total.shown])
    return out
