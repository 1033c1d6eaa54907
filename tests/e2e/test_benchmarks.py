"""``make bench`` in miniature: every benchmark it runs, in smoke mode (``--smoke``: every stage
once, tiny counts, short durations), as its own process on a platform of its own, as a user
runs it. A benchmark that stops in a stage, or whose requests the platform refuses (as when
sign-in arrived and the load generator sent no token), fails here, not on the next
``make bench``. The figures themselves are not judged: a missed target is a finding."""

import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.platform import PYTHONPATH, START_TIMEOUT_S
from infra.processes import kill, spawn

# One platform start on a loaded machine, and the stages' own deadlines after it.
RUN_TIMEOUT_S = START_TIMEOUT_S + 240.0


@dataclass(frozen=True)
class Expected:
    """What a whole smoke run shows: a row for every stage; figures that count refusals, errors
    and losses, which must be zero (ours, and the baseline's where it has one); figures whose
    baseline column is what was sent, which ours must equal; targets that hold at any load."""

    stages: tuple[str, ...]
    zero: tuple[str, ...] = ()
    complete: tuple[str, ...] = ()
    met: tuple[str, ...] = ()


BENCHMARKS = {
    "bench.dispatch": Expected(
        stages=("1 recommend", "  over SQLite", "2 board", "3 round trip"),
        zero=(
            "non-200 answers",
            "non-201 answers",
            "acks refused by the agency",
            "ListTasks calls failed",
            "tasks not mirrored within 60 s",
        ),
        met=("open incidents on the board",),
    ),
    "bench.fanout": Expected(
        stages=("1 intake", "2 fan-out latency", "3 fan-out backlog"),
        zero=("other answers", "non-201 answers"),
    ),
    "bench.callup": Expected(
        stages=("1 call-up", "2 acknowledgements", "3 muster board"),
        zero=(
            "link POST failed (refused or over 10 s)",
            "acks taken, not on the board in 30 s",
            "muster GET failed",
        ),
    ),
    "bench.console": Expected(
        stages=("1 console answer -> command room",),
        complete=("answers mirrored",),
    ),
    "bench.partners": Expected(
        stages=("1 feed", "2 webhook"),
        zero=("deliveries refused by receiver",),
        complete=("items per round", "sent", "delivered (first versions)"),
    ),
}


@dataclass(frozen=True)
class Figure:
    stage: str
    figure: str
    ours: float
    baseline: float
    met: str


def number(cell: str) -> float:
    """A figure as printed: ``-`` (none) and ``n/a`` (no samples) are NaN."""
    return math.nan if cell in ("-", "n/a") else float(cell.replace(",", ""))


def figures(output: str) -> list[Figure]:
    """The rows of the printed table, each with the stage it belongs to (the table names a stage
    on its first row only)."""
    lines = [line for line in output.splitlines() if line.startswith("| ")]
    if not lines or not lines[0].startswith("| Stage "):
        return []
    rows: list[Figure] = []
    stage = ""
    for line in lines[1:]:
        cells = line[2:-2].split(" | ")
        stage = cells[0].rstrip() or stage
        figure, ours, baseline, _, _, met = (cell.strip() for cell in cells[1:])
        rows.append(Figure(stage, figure, number(ours), number(baseline), met))
    return rows


def run_smoke(module: str, log_path: Path) -> tuple[int, str]:
    """``python -m <module> --smoke`` as ``make bench`` runs it: its exit code and output. At the
    deadline it is killed, and its platform's processes die with it."""
    process = spawn(
        [sys.executable, "-m", module, "--smoke"],
        env={**os.environ, "PYTHONPATH": PYTHONPATH, "PYTHONUNBUFFERED": "1"},
        log_path=log_path,
    )
    try:
        process.wait(RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        kill(process)
    return process.returncode, log_path.read_text(errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize("module", list(BENCHMARKS))
def test_benchmark_runs_every_stage_in_smoke_mode(module: str, tmp_path: Path) -> None:
    exit_code, output = run_smoke(module, tmp_path / f"{module}.log")

    assert exit_code == 0, f"{module} --smoke exited {exit_code}:\n{output[-6000:]}"
    assert "n/a" not in output, f"a figure had no samples, so a stage measured nothing:\n{output}"
    table = figures(output)
    assert table, f"{module} printed no table of figures:\n{output}"

    expected = BENCHMARKS[module]
    stages = {row.stage for row in table}
    for name in expected.stages:
        assert any(stage.startswith(name) for stage in stages), f"no stage {name!r} in:\n{output}"
    by_figure = {row.figure: row for row in table}
    for name in expected.zero:
        row = by_figure[name]
        assert row.ours == 0 and (math.isnan(row.baseline) or row.baseline == 0), row
    for name in expected.complete:
        row = by_figure[name]
        assert row.ours == row.baseline > 0, row
    for name in expected.met:
        assert by_figure[name].met == "yes", by_figure[name]
