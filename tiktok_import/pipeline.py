"""Runs the notebooks of one import, in order, through papermill."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._slow_imports import defer_iri_parsers
from .errors import ConfigError, TikTokImportError
from .importer import ImportConfig
from .notebook import refuse_secret_parameters
from .storage import RunFolder, utc_now_iso, write_json_atomic

log = logging.getLogger(__name__)

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
IMPORT_NOTEBOOK = "01_import.ipynb"
VALIDATE_NOTEBOOK = "02_validate.ipynb"
BREAKDOWN_NOTEBOOK = "03_tokopedia_breakdown.ipynb"
REPORT_NOTEBOOK = "04_report.ipynb"
COMPARE_NOTEBOOK = "05_compare_shopee.ipynb"
SHOPEE_KINDS = ("api", "xlsx")


class StepFailed(TikTokImportError):
    """A notebook of the pipeline raised; names the notebook and the cell."""


@dataclass(frozen=True)
class ShopeeSource:
    """The seller's Shopee catalog to compare with; no path: the emulator's own."""

    path: str = ""
    kind: str = "api"

    def check(self) -> ShopeeSource:
        if self.kind not in SHOPEE_KINDS:
            raise ConfigError(
                f"shopee kind must be one of {', '.join(SHOPEE_KINDS)}, "
                f"got {self.kind!r}"
            )
        path = Path(self.path)
        if self.path and not path.exists():
            raise ConfigError(
                f"Shopee source {self.path} does not exist: pass a folder of saved "
                "Shopee API responses or a mass-update .xlsx export"
            )
        is_xlsx = path.is_file() and zipfile.is_zipfile(path)
        if self.path and self.kind == "xlsx" and not is_xlsx:
            raise ConfigError(
                f"Shopee source {self.path} is not an .xlsx workbook: pass the "
                "mass-update export, or --shopee-kind api for saved API responses"
            )
        if self.path and self.kind == "api" and is_xlsx:
            raise ConfigError(
                f"Shopee source {self.path} is a spreadsheet: add --shopee-kind xlsx"
            )
        return ShopeeSource(
            str(Path(self.path).resolve()) if self.path else "", self.kind
        )


def follow_up_steps(
    config: ImportConfig, shopee: ShopeeSource
) -> list[tuple[str, dict[str, Any]]]:
    """The notebooks after the import, in order, with their own parameters.

    The comparison runs whenever there is a Shopee catalog to compare with (always
    against the emulator), and before the report so that the report includes it.
    """
    steps: list[tuple[str, dict[str, Any]]] = [
        (VALIDATE_NOTEBOOK, {}),
        (BREAKDOWN_NOTEBOOK, {}),
    ]
    if shopee.path or config.source == "emulator":
        steps.append(
            (
                COMPARE_NOTEBOOK,
                {"shopee_source": shopee.path, "shopee_kind": shopee.kind},
            )
        )
    steps.append((REPORT_NOTEBOOK, {}))
    return steps


def _import_parameters(config: ImportConfig) -> dict[str, Any]:
    return {
        "source": config.source,
        "shop": config.shop,
        "catalog_size": config.catalog_size,
        "seed": config.seed,
        "emulator_shops": config.emulator_shops,
        "page_size": config.page_size,
        "fetch_details": config.fetch_details,
        "requests_per_second": config.requests_per_second or 0.0,
        "workers": config.workers,
        "run_id": config.run_id,
        "output_dir": str(Path(config.output_dir).resolve()),
        "incremental": config.incremental,
        "progress": False,
    }


def execute_notebook(notebook: str, output: Path, parameters: dict[str, Any]) -> None:
    """Run one of the package's notebooks through papermill into `output`.

    Raises:
        ConfigError: a parameter's name looks like a secret (papermill would write
            its value into `output`), or the notebook is missing.
        StepFailed: a cell raised; the message names the notebook and the cell.
    """
    refuse_secret_parameters(parameters, notebook)
    defer_iri_parsers()  # papermill imports jsonschema (through nbformat)
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = NOTEBOOKS_DIR / notebook
    if not source.is_file():
        raise ConfigError(
            f"notebook {source} is missing: install tiktok-import from its source "
            "tree (pip install -e .) so the notebooks are beside the package"
        )
    log.info("running %s -> %s", notebook, output)
    try:
        papermill.execute_notebook(
            str(source),
            str(output),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            # The kernel warns on every start that loopback TCP is unencrypted;
            # the warning tells an analyst nothing they can act on.
            # At ERROR, a kernel stopped by Ctrl-C (or shut down as it handles
            # one) prints its own traceback; cell errors reach papermill anyway.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        raise StepFailed(
            f"{notebook} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
            f"(executed notebook: {output})"
        ) from None
    except OSError as exc:
        # papermill writes the executed notebook after every cell; a full disk
        # stops it there, whatever the cell was doing.
        raise StepFailed(
            f"{notebook}: cannot write {exc.filename or output} "
            f"({exc.strerror or exc}): free some space or choose another "
            "--output-dir; what was written is kept, and --resume carries the run on"
        ) from None


PIPELINE_RECORD = "pipeline.json"
# Steps whose failure leaves the later ones nothing to work on.
_BLOCKING = {IMPORT_NOTEBOOK, VALIDATE_NOTEBOOK}


class _StepLog:
    """`<run>/pipeline.json`: each notebook's status, written as the run goes."""

    def __init__(self, run: RunFolder, notebooks: list[str]) -> None:
        self.path = run.path / PIPELINE_RECORD
        self.steps = [
            {
                "notebook": name,
                "status": "pending",
                "started_at": None,
                "finished_at": None,
                "error": None,
            }
            for name in notebooks
        ]
        self._write()

    def _write(self) -> None:
        try:
            write_json_atomic(self.path, {"steps": self.steps})
        except OSError as exc:
            raise ConfigError(
                f"cannot write {self.path} ({exc.strerror or exc}): free some space "
                "or choose another --output-dir"
            ) from None

    def run(self, index: int, step: Callable[[], None]) -> str | None:
        """Run one step, recording it; return its error message, or None."""
        record = self.steps[index]
        record.update(status="running", started_at=utc_now_iso())
        self._write()
        error = None
        try:
            step()
        except TikTokImportError as exc:
            error = str(exc)
        except KeyboardInterrupt:
            record.update(
                status="failed", finished_at=utc_now_iso(), error="interrupted"
            )
            self._write_after_failure()
            raise
        record.update(
            status="failed" if error else "complete",
            finished_at=utc_now_iso(),
            error=error,
        )
        if error is None:
            self._write()
        else:
            self._write_after_failure()
        return error

    def _write_after_failure(self) -> None:
        try:
            self._write()
        except ConfigError as exc:
            # The step's own error (often the same full disk) is the one to show.
            log.info("%s", exc)

    def skip_rest(self, after: int) -> None:
        for record in self.steps[after + 1 :]:
            record["status"] = "skipped"
        self._write_after_failure()


def run_pipeline(
    config: ImportConfig, shopee: ShopeeSource | None = None, resume: bool = False
) -> Path:
    """Import, then validate, chart, compare and report; return the run folder.

    Each step's status goes to `<run>/pipeline.json`. A failed import or
    validation stops the run; a failed chart or comparison step still lets the
    report be written (it says what failed), and the pipeline then raises.
    With `resume`, the import carries on an interrupted run of the same run id
    from its checkpoint, and the later steps run again on the finished import.
    """
    config = config.validate()
    shopee = (shopee or ShopeeSource()).check()
    if resume:
        run = RunFolder.to_resume(config.output_dir, config.run_id)
    else:
        run = RunFolder.create(config.output_dir, config.run_id)
    notebooks = run.path / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    folder = {"run_folder": str(run.path.resolve())}
    steps = [(IMPORT_NOTEBOOK, {**_import_parameters(config), "resume": resume})]
    steps += [
        (name, {**folder, **extra}) for name, extra in follow_up_steps(config, shopee)
    ]
    record = _StepLog(run, [name for name, _ in steps])
    first_error = None
    for index, (name, parameters) in enumerate(steps):
        error = record.run(
            index,
            lambda name=name, parameters=parameters: execute_notebook(
                name, notebooks / name, parameters
            ),
        )
        if error:
            first_error = first_error or error
            if name in _BLOCKING:
                record.skip_rest(index)
                break
    if first_error:
        raise StepFailed(first_error)
    return run.path


@dataclass(frozen=True)
class BatchOutcome:
    config: ImportConfig
    run_folder: Path | None
    error: str | None


def _run_one(job: tuple[ImportConfig, ShopeeSource | None]) -> BatchOutcome:
    config, shopee = job
    try:
        return BatchOutcome(config, run_pipeline(config, shopee), None)
    except TikTokImportError as exc:
        return BatchOutcome(config, None, str(exc))


def _slug(text: str) -> str:
    kept = "".join(c if c.isalnum() or c in "._-" else "-" for c in text.strip())
    return kept.strip("-.")[:40] or "shop"


def batch_configs(
    base: ImportConfig, shops: list[str], overrides: list[dict[str, Any]]
) -> list[ImportConfig]:
    """One config per shop (and per params-file entry), each with its own run id."""
    from dataclasses import fields, replace

    base = base.validate()
    known = {f.name for f in fields(ImportConfig)} - {"emulator_options"}
    configs = [replace(base, shop=shop) for shop in shops]
    for number, entry in enumerate(overrides, start=1):
        refuse_secret_parameters(entry, f"params file entry {number}")
        unknown = sorted(set(entry) - known)
        if unknown:
            raise ConfigError(
                f"params file entry {number}: unknown parameter(s) "
                f"{', '.join(unknown)}; "
                f"expected some of {', '.join(sorted(known))}"
            )
        try:
            configs.append(replace(base, **entry).validate())
        except ConfigError as exc:
            raise ConfigError(f"params file entry {number}: {exc}") from None
    if len(configs) > 1:
        configs = [
            c
            if c.run_id != base.run_id
            else replace(c, run_id=f"{c.run_id}-{_slug(c.shop)}")
            for c in configs
        ]
    ids = [c.run_id for c in configs]
    if len(set(ids)) != len(ids):
        raise ConfigError(
            f"two runs of the batch share a run id: {ids}; give each its own"
        )
    return [c.validate() for c in configs]


def run_batch(
    configs: list[ImportConfig], parallel: int = 1, shopee: ShopeeSource | None = None
) -> list[BatchOutcome]:
    """Run the pipeline once per config, `parallel` at a time in separate processes."""
    if not 1 <= parallel <= 16:
        raise ConfigError(f"parallel must be 1..16, got {parallel}")
    jobs = [(config, shopee) for config in configs]
    if parallel == 1 or len(configs) == 1:
        return [_run_one(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(parallel, mp_context=context) as pool:
        return list(pool.map(_run_one, jobs))
