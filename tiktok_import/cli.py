"""The `tiktok-import` command: run the pipeline, or serve the emulator."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from . import settings as s
from .errors import ConfigError, TikTokImportError
from .importer import SOURCES, ImportConfig
from .storage import default_output_dir

log = logging.getLogger(__name__)


def _fault(text: str) -> tuple[str, float]:
    name, sep, rate = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return name.strip(), float(rate)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "--fault takes CLASS=RATE with RATE from 0 to 1, e.g. http429=0.1; "
            f"got {text!r}"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tiktok-import",
        description="Import a TikTok Shop catalog (with its Tokopedia listings).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the notebook pipeline for one shop")
    run.add_argument("--output-dir", default=str(default_output_dir()))
    run.add_argument("--run-id", default="", help="run folder name (default: UTC time)")
    run.add_argument("--source", choices=SOURCES, default="emulator")
    run.add_argument("--shop", default="", help="shop id, code or name")
    run.add_argument("--catalog-size", type=int, default=s.DEFAULT_CATALOG_SIZE)
    run.add_argument("--seed", type=int, default=s.DEFAULT_SEED)
    run.add_argument("--emulator-shops", type=int, default=1)
    run.add_argument("--page-size", type=int, default=s.DEFAULT_PAGE_SIZE)
    run.add_argument("--no-details", action="store_true", help="skip Get Product")
    run.add_argument("--rps", type=float, default=None, help="requests per second")
    run.add_argument("--workers", type=int, default=s.DEFAULT_WORKERS)

    emulator = commands.add_parser("emulator", help="the Partner API emulator")
    emulator_commands = emulator.add_subparsers(dest="emulator_command", required=True)
    serve = emulator_commands.add_parser("serve", help="serve the emulator on loopback")
    serve.add_argument("--port", type=int, default=8765)
    catalog = emulator_commands.add_parser("catalog", help="write its ground truth")
    catalog.add_argument("--out", required=True, help="JSON lines file to write")
    for sub in (serve, catalog):
        sub.add_argument("--size", type=int, default=s.DEFAULT_CATALOG_SIZE)
        sub.add_argument("--seed", type=int, default=s.DEFAULT_SEED)
        sub.add_argument("--shops", type=int, default=1)
    serve.add_argument("--rps", type=float, default=None, help="throttle; 0: none")
    serve.add_argument(
        "--fault", type=_fault, action="append", default=[], metavar="CLASS=RATE"
    )
    return parser


def _run(args: argparse.Namespace) -> int:
    from .pipeline import run_pipeline

    config = ImportConfig(
        source=args.source,
        shop=args.shop,
        catalog_size=args.catalog_size,
        seed=args.seed,
        emulator_shops=args.emulator_shops,
        page_size=args.page_size,
        fetch_details=not args.no_details,
        requests_per_second=args.rps,
        workers=args.workers,
        run_id=args.run_id,
        output_dir=args.output_dir,
    ).validate()
    folder = run_pipeline(config)
    print(folder)
    return 0


def _emulator(args: argparse.Namespace) -> int:
    from .emulator import EmulatorConfig, serve, write_ground_truth

    if args.emulator_command == "catalog":
        write_ground_truth(args.size, args.seed, args.out, shops=args.shops)
        print(args.out)
        return 0
    options = {} if args.rps is None else {"rps": args.rps or None}
    try:
        config = EmulatorConfig(
            size=args.size,
            seed=args.seed,
            shops=args.shops,
            faults=dict(args.fault),
            port=args.port,
            **options,
        )
    except ValueError as exc:
        raise ConfigError(f"emulator: {exc}") from None
    serve(config)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console command; analysts' mistakes get one line, no trace."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        if args.command == "run":
            return _run(args)
        return _emulator(args)
    except TikTokImportError as exc:
        print(f"tiktok-import: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tiktok-import: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
