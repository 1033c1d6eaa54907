"""``make migrate``: brings databases to their history's head, each by its own service kind's
history (the gateway's or the agencies').

With no arguments it migrates the embedded default's files under ``--data-dir``.
"""

import argparse
from pathlib import Path

from gateway.schema import HISTORY as GATEWAY
from kernel.catalog import AGENCIES
from kernel.db import make_engine
from kernel.schema import History, upgrade
from services.agency.schema import HISTORY as AGENCY


def _migrate(url: str, history: History) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine, history)
    finally:
        engine.dispose()
    print(f"{url}: {history.name} schema at head")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.schema", description=__doc__)
    parser.add_argument("--gateway", action="append", default=[], metavar="URL", help="a gateway database")
    parser.add_argument("--agency", action="append", default=[], metavar="URL", help="an agency database")
    parser.add_argument("--data-dir", type=Path, default=Path("var"))
    args = parser.parse_args(argv)
    targets = [(url, GATEWAY) for url in args.gateway] + [(url, AGENCY) for url in args.agency]
    if not targets:
        targets = [(f"sqlite:///{args.data_dir / 'gateway.db'}", GATEWAY)] + [
            (f"sqlite:///{args.data_dir / (agency + '.db')}", AGENCY) for agency in AGENCIES
        ]
    for url, history in targets:
        _migrate(url, history)


if __name__ == "__main__":
    main()
