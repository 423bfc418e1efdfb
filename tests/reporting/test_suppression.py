"""Safe counts: every shown count is 0 or at least 5, and no hidden count can be worked out.

The checks of "can be worked out" are written here from scratch, not taken from the module under
test:
- linear algebra: the null space of the published equations (each row and column of the table
  adds up to its total), restricted to the hidden entries, computed with exact fractions; a
  hidden entry is fixed by the equations iff every null-space vector is 0 there;
- whole numbers: a search for another table that a reader cannot tell apart from the true one
  (same shown entries, every equation holding, "<5" entries from 1 to 4, hidden entries >= 0) in
  which the hidden entry has another value. The search looks for tables that differ from the true
  one by -1, 0 or +1 in each hidden entry; limiting the search can only make it miss a witness
  (a false alarm), never accept a table that gives a count away.
"""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.reporting.suppression import (
    HIDDEN_SHOWN as DASH,
)
from portal.reporting.suppression import (
    Cell,
    SuppressedTable,
    linearly_derivable,
    safe_count,
    suppress_list,
    suppress_table,
    suppressed_rows,
)

# --- an independent model of what a reader of the table knows -------------------------------------


def published_grid(table: SuppressedTable) -> list[list[Cell]]:
    """The table with its totals as one (r+1) x (c+1) grid: last column row totals, last row
    column totals, grand total in the corner."""
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.grand_total])
    return grid


def grid_equations(grid) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """(parts, total) for each grid line: the parts add up to the total."""
    rows, cols = len(grid), len(grid[0])
    equations = []
    for i in range(rows):
        equations.append(([(i, j) for j in range(cols - 1)], (i, cols - 1)))
    for j in range(cols):
        equations.append(([(i, j) for i in range(rows - 1)], (rows - 1, j)))
    return equations


def reader_bounds(cell: Cell) -> tuple[int, float]:
    if cell.shown == "<5":
        return 1, 4
    return 0, float("inf")


def null_space(matrix: list[list[Fraction]], n: int) -> list[list[Fraction]]:
    """A basis of {v : matrix @ v = 0} (Gauss-Jordan with fractions)."""
    m = [row[:] for row in matrix]
    pivot_cols = []
    r = 0
    for col in range(n):
        pivot = next((i for i in range(r, len(m)) if m[i][col] != 0), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        lead = m[r][col]
        m[r] = [x / lead for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][col] != 0:
                factor = m[i][col]
                m[i] = [a - factor * b for a, b in zip(m[i], m[r], strict=True)]
        pivot_cols.append(col)
        r += 1
    basis = []
    for free in (c for c in range(n) if c not in pivot_cols):
        v = [Fraction(0)] * n
        v[free] = Fraction(1)
        for row, col in enumerate(pivot_cols):
            v[col] = -m[row][free]
        basis.append(v)
    return basis


def linearly_fixed(grid, equations) -> list[tuple[int, int]]:
    """Hidden entries whose value the published equations determine."""
    hidden = [(i, j) for i, row in enumerate(grid) for j, cell in enumerate(row) if cell.hidden]
    index = {pos: k for k, pos in enumerate(hidden)}
    matrix = []
    for parts, total in equations:
        row = [Fraction(0)] * len(hidden)
        for pos in parts:
            if pos in index:
                row[index[pos]] += 1
        if total in index:
            row[index[total]] -= 1
        matrix.append(row)
    basis = null_space(matrix, len(hidden))
    for v in basis:  # the basis really solves the equations
        assert all(sum(a * b for a, b in zip(row, v, strict=True)) == 0 for row in matrix)
    return [pos for pos, k in index.items() if all(v[k] == 0 for v in basis)]


def reader_can_accept(grid, equations, change: dict) -> bool:
    """Would a reader accept the table changed by `change` (hidden entry -> delta) as the true
    one? Shown entries unchanged, every line adding up, hidden entries within what is known."""
    value = {
        (i, j): cell.value + change.get((i, j), 0)
        for i, row in enumerate(grid)
        for j, cell in enumerate(row)
    }
    for (i, j), delta in change.items():
        lo, hi = reader_bounds(grid[i][j])
        if delta and (not grid[i][j].hidden or not lo <= value[i, j] <= hi):
            return False
    return all(sum(value[p] for p in parts) == value[total] for parts, total in equations)


def other_table_by_search(grid, equations, target: tuple[int, int]) -> dict | None:
    """Exhaustive depth-first search (small tables): a change of -1/0/+1 per hidden entry, the
    target's not 0, pruning lines that can no longer add up."""
    hidden = [(i, j) for i, row in enumerate(grid) for j, cell in enumerate(row) if cell.hidden]
    lines_of = {pos: [] for pos in hidden}
    sums, remaining = [], []
    for k, (parts, total) in enumerate(equations):
        members = [(p, 1) for p in parts if p in lines_of]
        if total in lines_of:
            members.append((total, -1))
        for p, sign in members:
            lines_of[p].append((k, sign))
        sums.append(0)
        remaining.append(len(members))
    order = [target] + [p for p in hidden if p != target]
    change: dict = {}

    def allowed(pos, delta):
        lo, hi = reader_bounds(grid[pos[0]][pos[1]])
        return lo <= grid[pos[0]][pos[1]].value + delta <= hi

    def search(n: int) -> bool:
        if n == len(order):
            return all(s == 0 for s in sums)
        pos = order[n]
        for delta in (1, -1) if n == 0 else (0, 1, -1):
            if not allowed(pos, delta):
                continue
            change[pos] = delta
            ok = True
            for k, sign in lines_of[pos]:
                sums[k] += sign * delta
                remaining[k] -= 1
                ok = ok and abs(sums[k]) <= remaining[k]
            if ok and search(n + 1):
                return True
            for k, sign in lines_of[pos]:
                sums[k] -= sign * delta
                remaining[k] += 1
        del change[pos]
        return False

    return dict(change) if search(0) else None


def other_table_by_cycle(grid, target: tuple[int, int]) -> dict | None:
    """Any table: breadth-first search for a way to change the target by +1 or -1 and repair
    the lines one after the other (another hidden entry of the same grid line takes the opposite
    change, which unbalances its other line, and so on back to the target's other line)."""
    rows, cols = len(grid), len(grid[0])

    def coef(pos, line):  # the entry's coefficient in one of its two lines' equations
        i, j = pos
        return -1 if (j == cols - 1 if line[0] == "row" else i == rows - 1) else 1

    def lines(pos):
        return [("row", pos[0]), ("col", pos[1])]

    def entries(line):
        kind, k = line
        positions = (
            [(k, j) for j in range(cols)] if kind == "row" else [(i, k) for i in range(rows)]
        )
        return [p for p in positions if grid[p[0]][p[1]].hidden and p != target]

    def allowed(pos, delta):
        lo, hi = reader_bounds(grid[pos[0]][pos[1]])
        return lo <= grid[pos[0]][pos[1]].value + delta <= hi

    for delta in (1, -1):
        if not allowed(target, delta):
            continue
        start, goal = lines(target)
        # State: a line whose sum is off by `need` (the next entry of it must make up for it).
        first = (start, -coef(target, start) * delta)
        # The walk ends at the target's other line, making up for the target's change there.
        wanted = (goal, -coef(target, goal) * delta)
        came_from = {first: None}
        queue = [first]
        while queue:
            line, need = queue.pop(0)
            for pos in entries(line):
                d = need * coef(pos, line)  # coef * d == need, coefficients are +1/-1
                if not allowed(pos, d):
                    continue
                other = next(x for x in lines(pos) if x != line)
                contribution = coef(pos, other) * d
                if (other, contribution) == wanted:
                    change = {target: delta, pos: d}
                    state = (line, need)
                    while came_from[state] is not None:
                        state, step_pos, step_d = came_from[state]
                        change[step_pos] = change.get(step_pos, 0) + step_d
                    return change
                state = (other, -contribution)
                if state not in came_from:
                    came_from[state] = ((line, need), pos, d)
                    queue.append(state)
    return None


def check_shown(cell: Cell) -> None:
    if cell.hidden:
        assert cell.shown in ("<5", DASH)
        if cell.shown == "<5":
            assert 1 <= cell.value <= 4
    else:
        assert cell.shown == str(cell.value)
        assert cell.value == 0 or cell.value >= 5


def assert_safe(rows: list[list[int]], table: SuppressedTable) -> None:
    assert [[c.value for c in row] for row in table.cells] == rows
    assert [c.value for c in table.row_totals] == [sum(row) for row in rows]
    assert [c.value for c in table.column_totals] == [sum(col) for col in zip(*rows, strict=True)]
    assert table.grand_total.value == sum(map(sum, rows))
    grid = published_grid(table)
    for row in grid:
        for cell in row:
            check_shown(cell)
    equations = grid_equations(grid)
    assert linearly_fixed(grid, equations) == []
    hidden = [(i, j) for i, row in enumerate(grid) for j, cell in enumerate(row) if cell.hidden]
    for pos in hidden:
        change = other_table_by_cycle(grid, pos)
        assert change is not None, pos
        assert change[pos] != 0 and reader_can_accept(grid, equations, change), (pos, change)
        if len(hidden) <= 12:
            change = other_table_by_search(grid, equations, pos)
            assert change is not None, pos
            assert change[pos] != 0 and reader_can_accept(grid, equations, change), (pos, change)


# --- property tests ------------------------------------------------------------------------------

counts = st.one_of(
    st.integers(0, 6),
    st.integers(0, 6),
    st.integers(0, 6),
    st.integers(7, 40),
    st.integers(41, 100_000),
)


@st.composite
def tables(draw, max_rows=12, max_cols=6):
    rows = draw(st.integers(1, max_rows))
    cols = draw(st.integers(1, max_cols))
    return [draw(st.lists(counts, min_size=cols, max_size=cols)) for _ in range(rows)]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_small_count_shown_and_no_hidden_count_derivable(rows):
    assert_safe(rows, suppress_table(rows))


@settings(max_examples=200, deadline=None)
@given(tables(max_rows=4, max_cols=3))
def test_small_tables_hide_nothing_derivable(rows):
    assert_safe(rows, suppress_table(rows))


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=15))
def test_a_list_and_its_total_give_no_small_count_away(values):
    listed = suppress_list(values)
    assert [c.value for c in listed.cells] == values
    assert listed.total.value == sum(values)
    for cell in [*listed.cells, listed.total]:
        check_shown(cell)
    # The list as a one-column grid (no row totals): its one equation is parts = total.
    grid = [[cell] for cell in listed.cells] + [[listed.total]]
    equations = [([(i, 0) for i in range(len(values))], (len(values), 0))]
    assert linearly_fixed(grid, equations) == []
    for i, row in enumerate(grid):
        if row[0].hidden:
            change = other_table_by_search(grid, equations, (i, 0))
            assert change is not None, i
            assert change[i, 0] != 0 and reader_can_accept(grid, equations, change)


@settings(max_examples=100, deadline=None)
@given(tables())
def test_without_totals_only_small_counts_are_hidden(rows):
    table = suppress_table(rows, with_totals=False)
    assert table.row_totals == [] and table.column_totals == [] and table.grand_total is None
    for row, values in zip(table.cells, rows, strict=True):
        for cell, n in zip(row, values, strict=True):
            assert cell.value == n
            assert cell.hidden == (1 <= n <= 4)
            check_shown(cell)


@settings(max_examples=100, deadline=None)
@given(tables())
def test_printed_table_matches_the_suppressed_table(rows):
    labelled = [(f"row {i}", values) for i, values in enumerate(rows)]
    header = ["Country"] + [f"col {j}" for j in range(len(rows[0]))]
    printed = suppressed_rows(header, labelled)
    assert printed[0][: len(header)] == header
    assert [line[0] for line in printed[1:-1]] == [label for label, _v in labelled]
    assert printed[-1][0] == "Total"
    for line in printed[1:]:
        for shown in line[1:]:
            assert shown in ("0", "<5", DASH) or int(shown) >= 5
    if len(rows[0]) > 1:
        table = suppress_table(rows)
        assert printed[1:-1] == [
            [label, *(c.shown for c in cells), total.shown]
            for (label, _v), cells, total in zip(
                labelled, table.cells, table.row_totals, strict=True
            )
        ]
        grand = table.grand_total.shown
        assert printed[-1] == ["Total", *(c.shown for c in table.column_totals), grand]


# --- known examples ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (12345, "12345")],
)
def test_safe_count(n, shown):
    assert safe_count(n) == shown


def test_safe_count_refuses_negative_numbers():
    with pytest.raises(ValueError):
        safe_count(-1)


def test_one_small_cell_in_a_row_hides_a_second_cell_of_that_row():
    rows = [[3, 10, 20], [12, 15, 30], [40, 7, 9]]
    table = suppress_table(rows)
    assert table.cells[0][0].shown == "<5"
    assert sum(c.hidden for c in table.cells[0]) >= 2
    assert sum(row[0].hidden for row in table.cells) >= 2
    assert table.grand_total.shown == "146"
    assert_safe(rows, table)


def test_the_cheapest_cells_close_the_cycle():
    table = suppress_table([[3, 10, 20], [12, 15, 30], [40, 7, 9]])
    assert [[c.shown for c in row] for row in table.cells] == [
        ["<5", DASH, "20"],
        [DASH, DASH, "30"],
        ["40", "7", "9"],
    ]
    assert [c.shown for c in table.row_totals] == ["33", "57", "56"]
    assert [c.shown for c in table.column_totals] == ["55", "32", "59"]


def test_a_table_of_zeros_is_shown_as_it_is():
    table = suppress_table([[0, 0], [0, 0], [0, 0]])
    cells = [c for row in table.cells for c in row]
    cells += [*table.row_totals, *table.column_totals, table.grand_total]
    assert all(c.shown == "0" and not c.hidden for c in cells)


def test_a_total_of_three_is_itself_hidden():
    rows = [[1, 2, 0], [0, 0, 0], [6, 0, 9]]
    table = suppress_table(rows)
    assert table.row_totals[0].shown == "<5"
    assert table.row_totals[1].shown == "0"
    assert table.cells[0][2].shown in ("0", DASH)
    assert_safe(rows, table)


def test_a_grand_total_of_three_is_hidden():
    table = suppress_table([[1, 2]])
    shown = [c.shown for c in [*table.cells[0], *table.row_totals, *table.column_totals]]
    assert shown == ["<5"] * 5
    assert table.grand_total.shown == "<5"


def test_bounds_are_protected_not_only_the_linear_algebra():
    # Hiding 4, 5, 5, 1 would satisfy the equations, but with the totals 9 | 6 and "<5" meaning
    # 1..4 the corner 1 would have to be 1 (x + 5 = 9 - ... forces 4 and 1): more must go.
    rows = [[4, 5], [5, 1]]
    table = suppress_table(rows)
    hidden = sum(c.hidden for c in [*table.row_totals, *table.column_totals])
    assert hidden >= 2
    assert_safe(rows, table)


def test_a_table_of_ones_says_less_than_five_where_that_would_tell():
    # Four "<5" cells under a grand total "<5" could only be 1 each: some small counts are
    # shown as a dash (a whole number, maybe 0) instead.
    rows = [[1, 1], [1, 1]]
    table = suppress_table(rows)
    assert all(c.hidden for row in table.cells for c in row)
    assert DASH in [c.shown for row in published_grid(table) for c in row]
    assert_safe(rows, table)
    listed = suppress_list([1, 1, 1, 1])
    assert all(c.hidden for c in [*listed.cells, listed.total])
    assert DASH in [c.shown for c in listed.cells]


def test_one_column_tables_and_one_row_tables_are_safe():
    for rows in ([[3], [7], [8]], [[3, 7, 8]], [[4]], [[0]], [[5]]):
        assert_safe(rows, suppress_table(rows))


def test_a_list_hides_a_second_count_beside_a_small_one():
    listed = suppress_list([3, 10, 20])
    assert [c.shown for c in listed.cells] == ["<5", DASH, "20"]
    assert listed.total.shown == "33"


def test_a_list_without_total_hides_only_small_counts():
    listed = suppress_list([3, 10, 0], with_total=False)
    assert [c.shown for c in listed.cells] == ["<5", "10", "0"]
    assert listed.total is None


def test_printed_rows_with_totals():
    printed = suppressed_rows(["Country", "A", "B"], [("JO", [3, 10]), ("LB", [12, 15])])
    assert printed == [
        ["Country", "A", "B", "Total"],
        ["JO", "<5", DASH, "13"],
        ["LB", DASH, DASH, "27"],
        ["Total", "15", "25", "40"],
    ]


def test_printed_rows_accept_a_header_without_the_label_column():
    printed = suppressed_rows(["A", "B"], [("JO", [30, 10])], totals=False)
    assert printed == [["", "A", "B"], ["JO", "30", "10"]]


def test_printed_list_has_a_total_row_but_no_total_column():
    printed = suppressed_rows(["Country", "Learners"], [("JO", [3]), ("LB", [12]), ("SY", [0])])
    assert printed == [
        ["Country", "Learners"],
        ["JO", "<5"],
        ["LB", DASH],
        ["SY", "0"],
        ["Total", "15"],
    ]


def test_ragged_or_negative_tables_are_refused():
    with pytest.raises(ValueError):
        suppress_table([[1, 2], [3]])
    with pytest.raises(ValueError):
        suppress_table([[1, -2]])


@pytest.mark.parametrize(
    ("equations", "hidden", "derivable"),
    [
        ([{"x": 1, "y": 1}], {"x", "y"}, set()),
        ([{"x": 1, "y": 1}, {"y": 1}], {"x", "y"}, {"x", "y"}),
        ([{"x": 1, "y": 1}, {"y": 1, "z": 1}, {"x": 1, "z": 1}], {"x", "y", "z"}, {"x", "y", "z"}),
        # x - y and y - x say the same: nothing is fixed.
        ([{"x": 1, "y": -1}, {"x": -1, "y": 1}], {"x", "y"}, set()),
        # A shown entry (s) is known: only hidden unknowns count.
        ([{"x": 1, "s": 1}, {"x": 1, "y": 1, "z": 1}], {"x", "y", "z"}, {"x"}),
        ([{"a": 1, "b": 1, "c": -1}, {"a": 1, "b": -1}], {"a", "b"}, {"a", "b"}),
    ],
)
def test_linear_algebra_finds_exactly_the_fixed_unknowns(equations, hidden, derivable):
    assert linearly_derivable(equations, hidden) == derivable


@settings(max_examples=100, deadline=None)
@given(tables())
def test_printed_columns_without_row_totals_are_each_safe(rows):
    labelled = [(f"row {i}", values) for i, values in enumerate(rows)]
    printed = suppressed_rows(
        ["Country", *(f"col {j}" for j in range(len(rows[0])))], labelled, row_totals=False
    )
    assert [len(line) for line in printed] == [len(rows[0]) + 1] * (len(rows) + 2)
    assert printed[-1][0] == "Total"
    for j in range(len(rows[0])):
        # Each column and its total, as a reader sees them: no hidden count can be worked out.
        column = [line[j + 1] for line in printed[1:]]
        values = [row[j] for row in rows] + [sum(row[j] for row in rows)]
        grid = [
            [Cell(n, shown, shown in ("<5", DASH))] for n, shown in zip(values, column, strict=True)
        ]
        for cell in grid:
            check_shown(cell[0])
        equations = [([(i, 0) for i in range(len(rows))], (len(rows), 0))]
        assert linearly_fixed(grid, equations) == []
        for i, row in enumerate(grid):
            if row[0].hidden:
                change = other_table_by_search(grid, equations, (i, 0))
                assert change is not None and reader_can_accept(grid, equations, change)
