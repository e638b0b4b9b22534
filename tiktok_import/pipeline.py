"""Runs the notebooks of one import, in order, through papermill."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, TikTokImportError
from .importer import ImportConfig
from .storage import RunFolder

log = logging.getLogger(__name__)

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
IMPORT_NOTEBOOK = "01_import.ipynb"
# The steps after the import; each takes the run folder.
FOLLOW_UP_NOTEBOOKS: tuple[str, ...] = ()


class StepFailed(TikTokImportError):
    """A notebook of the pipeline raised; names the notebook and the cell."""


@dataclass(frozen=True)
class StepResult:
    notebook: str
    output: Path


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
        "progress": False,
    }


def _execute(notebook: str, output: Path, parameters: dict[str, Any]) -> None:
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
            cwd=str(NOTEBOOKS_DIR),
        )
    except PapermillExecutionError as exc:
        raise StepFailed(
            f"{notebook} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
            f"(executed notebook: {output})"
        ) from None


def run_pipeline(
    config: ImportConfig, follow_ups: tuple[str, ...] | None = None
) -> Path:
    """Import, then run each follow-up notebook on the run folder; return the folder."""
    config = config.validate()
    run = RunFolder.create(config.output_dir, config.run_id)
    notebooks = run.path / "notebooks"
    notebooks.mkdir(exist_ok=True)
    _execute(IMPORT_NOTEBOOK, notebooks / IMPORT_NOTEBOOK, _import_parameters(config))
    for notebook in FOLLOW_UP_NOTEBOOKS if follow_ups is None else follow_ups:
        _execute(
            notebook, notebooks / notebook, {"run_folder": str(run.path.resolve())}
        )
    return run.path


@dataclass(frozen=True)
class BatchOutcome:
    config: ImportConfig
    run_folder: Path | None
    error: str | None


def _run_one(config: ImportConfig) -> BatchOutcome:
    try:
        return BatchOutcome(config, run_pipeline(config), None)
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
        unknown = sorted(set(entry) - known)
        if unknown:
            raise ConfigError(
                f"params file entry {number}: unknown parameter(s) "
                f"{', '.join(unknown)}; "
                f"expected some of {', '.join(sorted(known))}"
            )
        configs.append(replace(base, **entry))
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


def run_batch(configs: list[ImportConfig], parallel: int = 1) -> list[BatchOutcome]:
    """Run the pipeline once per config, `parallel` at a time in separate processes."""
    if not 1 <= parallel <= 16:
        raise ConfigError(f"parallel must be 1..16, got {parallel}")
    if parallel == 1 or len(configs) == 1:
        return [_run_one(config) for config in configs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(parallel, mp_context=context) as pool:
        return list(pool.map(_run_one, configs))
