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
