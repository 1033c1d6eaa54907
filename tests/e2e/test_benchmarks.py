"""``make bench`` in miniature: every benchmark it runs, in smoke mode (``--smoke``: every stage
once, tiny counts, short durations). A benchmark that stops in a stage, or whose requests the
platform refuses (as when sign-in arrived and the load generator sent no token), fails here,
not on the next ``make bench``. The figures themselves are not judged: a missed target is a
finding.

One platform for the whole module, not one per benchmark as ``make bench`` starts (five
platform starts and stops take minutes): each benchmark's stages run in this process against
it, through the ``run_on`` its own ``run`` uses after starting its platform. The benchmarks
run in the order listed, partners first (its feed's baseline is the whole shared-change log,
so nothing else may have posted incidents yet). The command line itself is checked apart, by
asking one benchmark for its ``--help`` in a process of its own."""

import importlib
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bench import answers, bulletin, factors, partners
from bench.probe import Databases
from bench.stats import Row, render
from infra.platform import PYTHONPATH, ROOT, Platform
from tests.conftest import running_platform

pytestmark = pytest.mark.bench

# Only the partners benchmark sets anything (partner rate limits no stage reaches); the others
# run on defaults and none of them comes near those limits.
SMOKE_ENV = partners.ENV
HELP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Expected:
    """What a whole smoke run shows: a row for every stage; figures that count refusals, errors
    and losses, which must be zero (ours, and the baseline's where it has one); figures whose
    baseline column is what was sent, which ours must equal; targets that hold at any load."""

    stages: tuple[str, ...]
    zero: tuple[str, ...] = ()
    complete: tuple[str, ...] = ()
    met: tuple[str, ...] = ()


# In the order they run on the shared platform.
BENCHMARKS = {
    "bench.partners": Expected(
        stages=("1 feed", "2 webhook"),
        zero=("deliveries refused by receiver",),
        complete=("items per round", "sent", "delivered (first versions)"),
    ),
    "bench.console": Expected(
        stages=("1 console answer -> command room",),
        complete=("answers mirrored",),
    ),
    "bench.callup": Expected(
        stages=("1 call-up", "2 acknowledgements", "3 muster board"),
        zero=(
            "link POST failed (refused or over 10 s)",
            "acks taken, not on the board in 30 s",
            "muster GET failed",
        ),
    ),
    "bench.fanout": Expected(
        stages=("1 intake", "2 fan-out latency", "3 fan-out backlog"),
        zero=("other answers", "non-201 answers"),
    ),
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
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, Databases]]:
    """The platform every benchmark runs on, and a reader of its services' databases."""
    with running_platform(tmp_path_factory.mktemp("bench"), SMOKE_ENV) as platform:
        dbs = Databases(platform.config.data_dir)
        try:
            yield platform, dbs
        finally:
            dbs.close()
            # Nothing is measured any more and the data is thrown away: no graceful shutdowns,
            # which take seconds each on a loaded machine.
            for name in list(platform.processes):
                platform.kill(name)


def missing(value: float | None) -> bool:
    """A figure printed ``n/a``: a stage had no samples, so it measured nothing."""
    return value is not None and math.isnan(value)


def test_a_benchmark_command_line_answers() -> None:
    """``python -m bench.console --help`` in a process of its own, as ``make bench`` starts the
    benchmarks: the module runs as a program and offers ``--smoke``. One benchmark only, the
    others' ``--smoke`` is parsed by the test below; each start costs seconds of imports. It
    runs first, before the module's platform starts and competes for the machine."""
    answer = subprocess.run(
        [sys.executable, "-m", "bench.console", "--help"],
        env={**os.environ, "PYTHONPATH": PYTHONPATH},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HELP_TIMEOUT_S,
        check=False,
    )
    output = answer.stdout + answer.stderr
    assert answer.returncode == 0, f"bench.console --help exited {answer.returncode}:\n{output}"
    assert "--smoke" in output, f"bench.console --help offers no --smoke:\n{output}"


@pytest.mark.slow
@pytest.mark.parametrize("module", list(BENCHMARKS))
def test_benchmark_runs_every_stage_in_smoke_mode(module: str, shared: tuple[Platform, Databases]) -> None:
    platform, dbs = shared
    bench = importlib.import_module(module)
    rows: list[Row] = bench.run_on(platform, dbs, bench.parse_options(["--smoke"]))
    table = render(rows)
    print(table)

    assert rows, f"{module} measured nothing"
    empty = [row for row in rows if missing(row.ours) or missing(row.baseline)]
    assert not empty, f"figures with no samples, so a stage measured nothing: {empty}\n{table}"
    expected = BENCHMARKS[module]
    stages = {row.stage for row in rows if row.stage}
    for name in expected.stages:
        assert any(stage.startswith(name) for stage in stages), f"no stage {name!r} in:\n{table}"
    by_figure = {row.figure: row for row in rows}
    for name in expected.zero:
        row = by_figure[name]
        assert row.ours == 0 and (row.baseline is None or row.baseline == 0), f"{row}\n{table}"
    for name in expected.complete:
        row = by_figure[name]
        assert row.baseline is not None and row.ours == row.baseline > 0, f"{row}\n{table}"
    for name in expected.met:
        assert by_figure[name].met, f"{by_figure[name]}\n{table}"


def test_the_in_process_answers_benchmark_runs_on_both_databases() -> None:
    """``bench.answers`` needs no platform: every answer it sends must be written, on SQLite and
    on PostgreSQL, by group commit and one transaction each."""
    rows = [
        row
        for kind in ("sqlite", "postgresql")
        for row in answers.measure(kind, answers.parse_options(["--smoke"]))
    ]
    table = render(rows)
    assert [row.stage for row in rows if row.stage] == [
        "sqlite: 20 answers, 5 at once",
        "postgresql: 20 answers, 5 at once",
    ]
    assert all(row.ours > 0 and row.baseline is not None and row.baseline > 0 for row in rows), table


def test_the_in_process_bulletin_benchmark_runs_on_both_databases() -> None:
    """``bench.bulletin`` needs no platform: it fills a year on each database and generates the
    bulletins; every figure is a time actually measured, the year's against its baseline."""
    rows = [
        row
        for kind in ("sqlite", "postgresql")
        for row in bulletin.measure(kind, bulletin.parse_options(["--smoke"]))
    ]
    table = render(rows)
    assert [row.stage for row in rows if row.stage] == [
        "sqlite: 400 incidents in a year",
        "postgresql: 400 incidents in a year",
    ], table
    assert all(row.ours > 0 for row in rows), table
    assert all(row.baseline > 0 for row in rows if row.baseline is not None), table


def test_the_in_process_factor_board_benchmark_runs_on_both_databases() -> None:
    """``bench.factors`` needs no platform: the board it reads must show every missed check-in
    it planted, on SQLite and on PostgreSQL."""
    rows = [
        row
        for kind in ("sqlite", "postgresql")
        for row in factors.measure(kind, factors.parse_options(["--smoke"]))
    ]
    table = render(rows)
    assert [row.stage for row in rows if row.stage] == [
        "sqlite: board of 50 factors",
        "postgresql: board of 50 factors",
    ]
    shown = [row for row in rows if row.figure == "overdue check-ins shown"]
    assert [(row.ours, row.baseline) for row in shown] == [(5, 5), (5, 5)], table
    assert all(row.ours > 0 for row in rows), table
