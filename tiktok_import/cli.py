"""The `tiktok-import` command: run the pipeline, or serve the emulator."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import settings as s
from .credentials import Credentials
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


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one line, not the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"tiktok-import: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tiktok-import",
        description="Import a TikTok Shop catalog (with its Tokopedia listings).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the notebook pipeline for one shop")
    run.add_argument("--output-dir", default=str(default_output_dir()))
    run.add_argument("--run-id", default="", help="run folder name (default: UTC time)")
    run.add_argument("--source", choices=SOURCES, default="emulator")
    run.add_argument(
        "--shop",
        action="append",
        default=[],
        help="shop id, code or name; repeat for a batch, one run folder per shop",
    )
    run.add_argument(
        "--all-shops", action="store_true", help="one run per shop the token covers"
    )
    run.add_argument(
        "--params-file",
        help="JSON list of runs, each an object of run parameters (e.g. shop, run_id)",
    )
    run.add_argument("--parallel", type=int, default=1, help="runs at once (batches)")
    run.add_argument(
        "--incremental",
        action="store_true",
        help="fetch details only for products changed since the shop's last "
        "complete run; carry the rest forward",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="carry on the interrupted run named by --run-id from its checkpoint",
    )
    run.add_argument("--catalog-size", type=int, default=s.DEFAULT_CATALOG_SIZE)
    run.add_argument("--seed", type=int, default=s.DEFAULT_SEED)
    run.add_argument("--emulator-shops", type=int, default=1)
    run.add_argument("--page-size", type=int, default=s.DEFAULT_PAGE_SIZE)
    run.add_argument("--no-details", action="store_true", help="skip Get Product")
    run.add_argument("--rps", type=float, default=None, help="requests per second")
    run.add_argument(
        "--workers",
        type=int,
        default=s.DEFAULT_WORKERS,
        help="concurrent calls: Get Product, and search windows past the 10,000 cap",
    )
    run.add_argument(
        "--shopee-source",
        default="",
        help="the seller's Shopee catalog to compare with: a folder of saved API "
        "responses or a mass-update .xlsx (emulator runs use the emulator's own)",
    )
    run.add_argument("--shopee-kind", choices=("api", "xlsx"), default="api")

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


def _params_file(path: str) -> list[dict]:
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"params file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"params file {path} is not valid JSON: {exc}") from None
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) for e in entries)
    ):
        raise ConfigError(
            f"params file {path} must hold a JSON list of one or more objects, "
            'e.g. [{"shop": "A"}, {"shop": "B"}]'
        )
    return entries


def _run(args: argparse.Namespace) -> int:
    from .importer import list_shops
    from .pipeline import ShopeeSource, batch_configs, run_batch, run_pipeline

    config = ImportConfig(
        source=args.source,
        shop=args.shop[0] if len(args.shop) == 1 else "",
        catalog_size=args.catalog_size,
        seed=args.seed,
        emulator_shops=args.emulator_shops,
        page_size=args.page_size,
        fetch_details=not args.no_details,
        requests_per_second=args.rps,
        workers=args.workers,
        run_id=args.run_id,
        output_dir=args.output_dir,
        incremental=args.incremental,
    ).validate()
    shopee = ShopeeSource(args.shopee_source, args.shopee_kind).check()
    if config.source == "live":
        # Before any folder or kernel: missing credentials are said at once.
        Credentials.from_env(config.env_file)
    if args.resume:
        if not args.run_id or len(args.shop) > 1 or args.all_shops or args.params_file:
            raise ConfigError(
                "--resume carries on one run: give its --run-id (and --output-dir), "
                "without --all-shops, several --shop or --params-file"
            )
        print(run_pipeline(config, shopee, resume=True))
        return 0
    shops = args.shop if len(args.shop) > 1 else []
    if args.all_shops:
        shops = [str(shop["id"]) for shop in list_shops(config)]
    overrides = _params_file(args.params_file) if args.params_file else []
    configs = (
        batch_configs(config, shops, overrides) if shops or overrides else [config]
    )
    failed = 0
    for outcome in run_batch(configs, args.parallel, shopee):
        if outcome.error:
            failed += 1
            print(f"tiktok-import: error: {outcome.error}", file=sys.stderr)
        else:
            print(outcome.run_folder)
    return 1 if failed else 0


def _emulator(args: argparse.Namespace) -> int:
    from .emulator import EmulatorConfig, serve, write_ground_truth

    if args.emulator_command == "catalog":
        try:
            write_ground_truth(args.size, args.seed, args.out, shops=args.shops)
        except ValueError as exc:
            raise ConfigError(f"emulator catalog: {exc}") from None
        except OSError as exc:
            raise ConfigError(
                f"cannot write {args.out} ({exc.strerror}): choose another --out"
            ) from None
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
    serve(config, on_ready=_print_connection)
    return 0


def _print_connection(emulator) -> None:  # noqa: ANN001
    """Print, as .env lines, what live mode needs to run against this emulator."""
    from .tokens import TokenClient

    tokens = TokenClient(emulator.auth_base_url, emulator.app_key, emulator.app_secret)
    pair = tokens.get(emulator.issue_auth_code())
    # These are the emulator's own made-up credentials, shown so they can be used.
    print("# emulator ready; save these lines as .env to run --source live against it")
    print(f"TIKTOK_API_BASE_URL={emulator.base_url}")
    print(f"TIKTOK_AUTH_BASE_URL={emulator.auth_base_url}")
    print(f"TIKTOK_APP_KEY={emulator.app_key}")
    print(f"TIKTOK_APP_SECRET={emulator.app_secret}")
    print(f"TIKTOK_ACCESS_TOKEN={pair.access_token}")
    print(f"TIKTOK_REFRESH_TOKEN={pair.refresh_token}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console command; analysts' mistakes get one line, no trace."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    # papermill's failures reach this command as exceptions, each said in one line;
    # its own log lines only repeat them (or, on Ctrl-C, say the kernel died).
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    try:
        if args.command == "run":
            return _run(args)
        return _emulator(args)
    except TikTokImportError as exc:
        print(f"tiktok-import: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # The machine's, not the analyst's: a full disk, a folder not writable.
        where = exc.filename or "a file"
        print(
            f"tiktok-import: error: cannot write or read {where} "
            f"({exc.strerror or exc}): free some space or check its permissions; "
            "an interrupted run carries on with --resume",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(
            "tiktok-import: interrupted; --resume --run-id <the run folder's name> "
            "carries an interrupted run on",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
