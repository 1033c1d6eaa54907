"""Percentiles and the printed table, kept apart from the measuring code so every stage
reports its figures the same way."""

import math
import os
import platform as pyplatform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: always a value that was actually observed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(values: Sequence[float], q: float) -> float:
    return 1000 * percentile(values, q)


@dataclass(frozen=True)
class Row:
    stage: str
    figure: str
    ours: float
    baseline: float | None = None
    ratio: bool = False
    target: str = ""
    met: bool | None = None


def latency_rows(
    stage: str,
    label: str,
    ours: Sequence[float],
    base: Sequence[float] | None,
    *,
    target_ms: float | None = None,
    ratio: bool = False,
) -> list[Row]:
    """p50/p95/p99 of seconds, in ms; the target, when there is one, is judged on p99."""
    rows = []
    for q in (50, 95, 99):
        p_ours = ms(ours, q)
        p_base = None if base is None else ms(base, q)
        figure = f"{label} p{q} ms"
        if q == 99 and target_ms is not None:
            rows.append(Row(stage, figure, p_ours, p_base, ratio, f"< {target_ms:g} ms", p_ours < target_ms))
        else:
            rows.append(Row(stage, figure, p_ours, p_base, ratio))
        stage = ""
    return rows


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if math.isnan(value):
        return "n/a"
    return f"{value:,.1f}"


def _ratio(row: Row) -> str:
    if not row.ratio or row.baseline is None or not row.baseline or math.isnan(row.ours):
        return "-"
    return f"{100 * row.ours / row.baseline:.1f}%"


def render(rows: Sequence[Row]) -> str:
    """A fixed-width table that reads the same in a terminal and pasted into Markdown."""
    header = ("Stage", "Figure", "Ours", "Baseline", "Ours/base", "Target", "Met")
    lines = [
        (
            row.stage,
            row.figure,
            _number(row.ours),
            _number(row.baseline),
            _ratio(row),
            row.target or "-",
            "-" if row.met is None else ("yes" if row.met else "NO"),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(cells) for cells in lines)])


def machine() -> str:
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"Machine: {os.cpu_count()} CPUs, Python {pyplatform.python_version()}, "
        f"Linux {os.uname().release}, load average {load}"
    )


def report(run: Callable[[], list[Row]]) -> None:
    """Run a benchmark and print its table between two readings of the machine's load, since
    these machines are shared and a figure means little without them."""
    print(machine(), flush=True)
    started = time.monotonic()
    rows = run()
    print()
    print(render(rows))
    print()
    print(machine().replace("Machine:", "Machine at the end:"))
    print(f"Total run {time.monotonic() - started:.0f}s")
