"""What the in-process benchmarks (no platform, one database at a time) share: their command
line's database and smoke switches, and running the measurement on each database chosen."""

import argparse
from collections.abc import Callable
from typing import Protocol, TypeVar

from bench.stats import Row, report

DATABASES = ("sqlite", "postgresql")


class ChoosesDatabase(Protocol):
    @property
    def db(self) -> str: ...


Options = TypeVar("Options", bound=ChoosesDatabase)


def options_parser(module: str, doc: str | None) -> argparse.ArgumentParser:
    """The benchmark's own options are added to this one."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc)
    parser.add_argument("--db", choices=(*DATABASES, "both"), default="both")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny counts: that it runs, not what it measures"
    )
    return parser


def run(measure: Callable[[str, Options], list[Row]], options: Options) -> None:
    """Measure on each database asked for and print one table."""
    kinds = DATABASES if options.db == "both" else (options.db,)
    report(lambda: [row for kind in kinds for row in measure(kind, options)])
