"""Great Expectations checks on the typed tables, and a reason for every failed product.

The suites live as JSON in `expectations/` (one file per table). Each expectation's
`meta` says which defect kind it catches (`defect`), the plain-English reason for a
failing row (`reason`, a template over the failing row) and whether it needs Get
Product details (`requires_details`). GE gives the verdicts and the failing rows;
this module turns them into `tables/failures.parquet`, the `quality_ok` and
`quality_issues` columns of the products table, and `validation/summary.json`.

Great Expectations is imported inside the functions that need it: it takes seconds
to import and most users of this package never validate. Its import is also kept
from building jsonschema's IRI parsers, which nothing here uses (`_slow_imports`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import string
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import polars.selectors as cs

from . import settings
from ._slow_imports import defer_iri_parsers
from .errors import ConfigError
from .mapping import open_complete_run

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SUITES",
    "EXPECTATIONS_DIR",
    "FAILURES_SCHEMA",
    "ValidationOutcome",
    "failure_counts",
    "fetch_failures",
    "flag_products",
    "load_suite",
    "parse_suites",
    "read_failures",
    "read_fetch_failures",
    "validate_run",
    "validate_tables",
]

DEFAULT_SUITES = ("products", "skus")
EXPECTATIONS_DIR = Path(__file__).resolve().parents[1] / "expectations"

FAILURES_SCHEMA: dict[str, pl.DataType] = {
    "product_id": pl.Utf8(),
    "stage": pl.Utf8(),
    "check": pl.Utf8(),
    "defect": pl.Utf8(),
    "reason": pl.Utf8(),
    "sku_id": pl.Utf8(),
}
QUALITY_COLUMNS = ("quality_ok", "quality_issues")
_SUITE_TABLE = {"products": "products", "skus": "skus"}
_MAX_VALUE_CHARS = 160
_FETCH_REASONS = {
    settings.CODE_PRODUCT_NOT_FOUND: (
        "Search Products listed it but Get Product says it does not exist "
        "(deleted, frozen or gone since the search)"
    ),
}


@dataclass
class ValidationOutcome:
    """What one validation produced: GE results, the summary, failures, flags."""

    summary: list[dict[str, Any]]
    failures: pl.DataFrame
    products: pl.DataFrame
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return all(row["success"] for row in self.summary)


def parse_suites(suites: str | Iterable[str]) -> tuple[str, ...]:
    """`"products,skus"` or `("products", "skus")` to a checked tuple of names."""
    names = suites.split(",") if isinstance(suites, str) else list(suites)
    names = [name.strip() for name in names if name.strip()]
    unknown = [name for name in names if name not in _SUITE_TABLE]
    if unknown or not names:
        raise ConfigError(
            f"suites must be some of {', '.join(_SUITE_TABLE)}, "
            f"got {', '.join(unknown) or 'none'}"
        )
    return tuple(dict.fromkeys(names))


def load_suite(name: str, expectations_dir: Path | None = None) -> dict[str, Any]:
    """The suite stored as `expectations/<name>.json`, checked for what we rely on."""
    path = (expectations_dir or EXPECTATIONS_DIR) / f"{name}.json"
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"expectation suite {path} is missing: run from the source tree "
            "(pip install -e .) so expectations/ is beside the package"
        ) from None
    except ValueError as exc:
        raise ConfigError(
            f"expectation suite {path} is not valid JSON ({exc})"
        ) from None
    descriptions = [item.get("description") for item in suite.get("expectations", [])]
    if None in descriptions or len(set(descriptions)) != len(descriptions):
        raise ConfigError(
            f"{path}: every expectation needs a description, unique in the suite "
            "(the summary and the reasons name checks by it)"
        )
    for item in suite.get("expectations", []):
        defect = item.get("meta", {}).get("defect")
        if defect is not None and defect not in settings.DEFECT_KINDS:
            raise ConfigError(
                f"{path}: {item['type']} names defect {defect!r}; expected one of "
                f"{', '.join(settings.DEFECT_KINDS)}"
            )
    return suite


# --- the GE view of a table -----------------------------------------------------


def ge_frame(table: pl.DataFrame) -> Any:
    """The pandas frame GE validates: GE 1.x has no polars engine.

    Decimals become floats (GE's numeric checks expect them), UTC times become
    naive UTC (pandas 3 warns when GE reads zoned values), and list columns
    become one space-separated string, with an empty item kept as an empty slot so
    that a missing URL fails the URL pattern; empty lists become null.
    """
    lists = [name for name, dtype in table.schema.items() if dtype == pl.List(pl.Utf8)]
    view = table.with_columns(
        cs.decimal().cast(pl.Float64),
        cs.datetime(time_zone="*").dt.replace_time_zone(None),
        *(
            pl.when(pl.col(name).list.len() > 0).then(
                pl.col(name).list.eval(pl.element().fill_null("")).list.join(" ")
            )
            for name in lists
        ),
    )
    return view.to_pandas()


# --- running GE -----------------------------------------------------------------


def _gx() -> Any:
    defer_iri_parsers()
    import great_expectations as gx

    return gx


def _context(docs_dir: Path | None) -> Any:
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites["run_folder"] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        data_docs_sites=sites,
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _build_suite(suite: dict[str, Any], details: bool) -> Any:
    gx = _gx()

    kept = [
        item
        for item in suite["expectations"]
        if details or not item.get("meta", {}).get("requires_details")
    ]
    skipped = len(suite["expectations"]) - len(kept)
    if skipped:
        log.info(
            "suite %s: %d expectations skipped, the run has no product details",
            suite["name"],
            skipped,
        )
    built = gx.ExpectationSuite(
        name=suite["name"], expectations=kept, meta=suite.get("meta")
    )
    # GE logs and drops an expectation it cannot build; we refuse instead.
    if len(built.expectations) != len(kept):
        raise ConfigError(
            f"expectation suite {suite['name']}: GE accepted "
            f"{len(built.expectations)} of {len(kept)} expectations (see the log)"
        )
    return built


def _run_suites(
    frames: Mapping[str, pl.DataFrame],
    suites: Mapping[str, dict[str, Any]],
    details: bool,
    docs_dir: Path | None,
) -> dict[str, Any]:
    """GE validation results per suite name (ExpectationSuiteValidationResult)."""
    gx = _gx()

    context = _context(docs_dir)
    source = context.data_sources.add_pandas("tables")
    results = {}
    for name, suite in suites.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
            name
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=name,
                data=batch,
                suite=context.suites.add(_build_suite(suite, details)),
            )
        )
        frame = frames[_SUITE_TABLE[name]]
        result = definition.run(
            batch_parameters={"dataframe": ge_frame(frame)},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": suite["meta"]["index_columns"],
            },
        )
        results[name] = result
        log.info(
            "suite %s on %d rows: %d of %d expectations met",
            name,
            frame.height,
            result.statistics["successful_expectations"],
            result.statistics["evaluated_expectations"],
        )
    if docs_dir is not None:
        # The results are in the context's store; one build renders them all.
        context.build_data_docs()
        log.info("Data Docs in %s", docs_dir / "index.html")
    return results


# --- from GE results to summary and failures -------------------------------------


def _columns(kwargs: Mapping[str, Any]) -> list[str]:
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return list(kwargs.get("column_list") or [])


def _check_name(config: Any) -> str:
    return f"{config.type}({','.join(_columns(config.kwargs))})"


def _in_suite_order(result: Any, suite: dict[str, Any]) -> list[Any]:
    # GE runs (and reports) expectations in its own order; the JSON order reads better.
    position = {item["description"]: n for n, item in enumerate(suite["expectations"])}
    return sorted(
        result.results,
        key=lambda item: position.get(item.expectation_config.description, 0),
    )


def _summary_rows(
    name: str, result: Any, suite: dict[str, Any]
) -> list[dict[str, Any]]:
    rows = []
    for item in _in_suite_order(result, suite):
        config = item.expectation_config
        info = item.result or {}
        if item.exception_info and item.exception_info.get("raised_exception"):
            log.error(
                "suite %s: %s raised %s",
                name,
                _check_name(config),
                item.exception_info.get("exception_message"),
            )
        rows.append(
            {
                "suite": name,
                "expectation": config.type,
                "column": ",".join(_columns(config.kwargs)) or None,
                "success": bool(item.success),
                "element_count": info.get("element_count"),
                "unexpected_count": info.get("unexpected_count"),
                "unexpected_percent": info.get("unexpected_percent"),
                "description": config.description,
                "defect": (config.meta or {}).get("defect"),
            }
        )
    return rows


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _short(value: Any) -> str:
    text = str(value)
    if len(text) <= _MAX_VALUE_CHARS:
        return text
    return text[: _MAX_VALUE_CHARS - 3] + "..."


def _reason(
    template: str, row: Mapping[str, Any], column: str | None, item_regex: str | None
) -> str:
    values = _Blank({key: _short(value) for key, value in row.items()})
    if column is not None:
        value = row.get(column)
        if item_regex and isinstance(value, str):
            # A list column reaches GE as one string: name only its bad items.
            bad = [i for i in value.split(" ") if not re.fullmatch(item_regex, i)]
            value = ", ".join(repr(item) for item in bad) or value
        values["value"] = _short(value)
    try:
        return string.Formatter().vformat(template, (), values)
    except (ValueError, IndexError, AttributeError):
        return template


def _failure_rows(result: Any, suite: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in _in_suite_order(result, suite):
        if item.success:
            continue
        config = item.expectation_config
        meta = config.meta or {}
        columns = _columns(config.kwargs)
        column = columns[0] if len(columns) == 1 else None
        template = meta.get("reason") or config.description or config.type
        for row in (item.result or {}).get("unexpected_index_list") or []:
            sku_id = row.get("sku_id")
            rows.append(
                {
                    "product_id": None
                    if row.get("product_id") is None
                    else str(row["product_id"]),
                    "stage": "validation",
                    "check": _check_name(config),
                    "defect": meta.get("defect"),
                    "reason": _reason(template, row, column, meta.get("item_regex")),
                    "sku_id": None if sku_id is None else str(sku_id),
                }
            )
    return rows


def fetch_failures(records: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Rows of `raw/fetch_failures.jsonl.gz` as failures (stage `fetch`)."""
    rows = []
    for record in records:
        code = record.get("code")
        message = str(record.get("message") or "").strip()
        known = _FETCH_REASONS.get(code)
        reason = f"Get Product failed with code {code}"
        if known:
            reason = f"{known} (code {code})"
        if message:
            reason += f": {message}"
        rows.append(
            {
                "product_id": str(record.get("product_id")),
                "stage": "fetch",
                "check": str(code),
                "defect": None,
                "reason": reason,
                "sku_id": None,
            }
        )
    return pl.DataFrame(rows, schema=FAILURES_SCHEMA)


def flag_products(products: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    """Add `quality_ok` and `quality_issues` (defect kinds, else check names)."""
    issues = (
        failures.filter(pl.col("stage") == "validation")
        .group_by("product_id")
        .agg(
            quality_issues=pl.coalesce("defect", "check").unique().sort(),
        )
    )
    flagged = products.drop(QUALITY_COLUMNS, strict=False).join(
        issues, on="product_id", how="left", maintain_order="left"
    )
    issues_col = pl.col("quality_issues").fill_null(pl.lit([], pl.List(pl.Utf8)))
    return flagged.with_columns(
        quality_ok=issues_col.list.len() == 0, quality_issues=issues_col
    )


def validate_tables(
    products: pl.DataFrame,
    skus: pl.DataFrame,
    *,
    suites: str | Iterable[str] = DEFAULT_SUITES,
    details: bool = True,
    fetch_failed: pl.DataFrame | None = None,
    docs_dir: Path | None = None,
    expectations_dir: Path | None = None,
) -> ValidationOutcome:
    """Validate the tables with the stored suites; no files but the Data Docs.

    `details=False` skips the expectations on fields only Get Product returns.
    """
    names = parse_suites(suites)
    loaded = {name: load_suite(name, expectations_dir) for name in names}
    products = products.drop(QUALITY_COLUMNS, strict=False)
    frames = {"products": products, "skus": skus}
    results = _run_suites(frames, loaded, details, docs_dir)

    summary = [
        row
        for name in names
        for row in _summary_rows(name, results[name], loaded[name])
    ]
    rows = [row for name in names for row in _failure_rows(results[name], loaded[name])]
    failures = pl.concat(
        [
            fetch_failed if fetch_failed is not None else fetch_failures([]),
            pl.DataFrame(rows, schema=FAILURES_SCHEMA),
        ]
    )
    failures = failures.unique(maintain_order=True).sort(
        ["product_id", "stage", "check", "sku_id"], nulls_last=True
    )
    return ValidationOutcome(
        summary=summary,
        failures=failures,
        products=flag_products(products, failures),
        results={name: result.to_json_dict() for name, result in results.items()},
    )


def read_fetch_failures(path: str | Path) -> pl.DataFrame:
    """`raw/fetch_failures.jsonl.gz` as failures (stage `fetch`); none when absent."""
    from .storage import read_json_lines

    path = Path(path)
    if not path.exists():
        return fetch_failures([])
    return fetch_failures(read_json_lines(path))


def _map_in_memory(run: Any, manifest: Mapping[str, Any]) -> tuple[pl.DataFrame, ...]:
    # `mapping.map_run` writes the tables as soon as it has them; here they must
    # wait until validation has succeeded, so the same steps run without writing.
    # TODO: drop this copy once mapping offers a map_run that does not write.
    from . import mapping

    details = bool((manifest.get("parameters") or {}).get("fetch_details", True))
    if details:
        raw = mapping._parse_file(
            run.raw("products.jsonl.gz"), mapping.parse_product_bodies
        )
    else:
        raw = mapping._parse_file(
            run.raw("search_pages.jsonl.gz"), mapping.parse_search_pages
        )
    return mapping.map_tables(
        raw,
        shop_id=str((manifest.get("shop") or {}).get("id") or ""),
        run_id=str(manifest.get("run_id") or run.path.name),
    )


def _commit(staging: Path, run_path: Path) -> None:
    """Move the staged tables, then the staged `validation/`, into the run folder.

    Everything was computed before this; what is left is a few renames on one file
    system, tables first, so that `validation/summary.json` (which says the run was
    validated) appears only once the flagged tables are in place.
    """
    tables = run_path / "tables"
    tables.mkdir(exist_ok=True)
    for path in sorted((staging / "tables").iterdir()):
        os.replace(path, tables / path.name)
    out = run_path / "validation"
    old = staging / "validation.old"
    if out.exists():
        os.replace(out, old)
    os.replace(staging / "validation", out)


def validate_run(
    run_folder: str | Path,
    suites: str | Iterable[str] = DEFAULT_SUITES,
    *,
    remap: bool = False,
) -> list[dict[str, Any]]:
    """Validate a run folder and write its failures, flags and validation files.

    Maps the run's raw files first when `remap` is true or `tables/` is missing.
    Writes `tables/failures.parquet`, adds `quality_ok`/`quality_issues` to
    `tables/products.parquet` (and writes `tables/skus.parquet` when it mapped),
    and replaces `validation/` with `<suite>.json`, `summary.json` and the Data
    Docs under `data_docs/`. Returns the summary (one dict per expectation).

    Nothing in the run folder changes until every output has been computed: the
    inputs are checked first, the outputs are built in a staging folder inside the
    run and moved into place at the end, so a failure leaves the run as it was.

    Raises:
        ConfigError: an unknown suite, a broken suite file, or a run folder that is
            missing, unfinished or corrupt.
    """
    names = parse_suites(suites)
    for name in names:
        load_suite(name)  # a broken suite file is refused before any work
    run, manifest = open_complete_run(run_folder)
    tables = run.path / "tables"
    mapped = remap or not (
        (tables / "products.parquet").is_file() and (tables / "skus.parquet").is_file()
    )
    if mapped:
        products, skus = _map_in_memory(run, manifest)
    else:
        products = pl.read_parquet(tables / "products.parquet")
        skus = pl.read_parquet(tables / "skus.parquet")
    details = bool((manifest.get("parameters") or {}).get("fetch_details", True))
    fetch_failed = read_fetch_failures(run.raw("fetch_failures.jsonl.gz"))

    staging = Path(tempfile.mkdtemp(prefix=".validating-", dir=run.path))
    try:
        out = staging / "validation"
        out.mkdir()
        (staging / "tables").mkdir()
        outcome = validate_tables(
            products,
            skus,
            suites=names,
            details=details,
            fetch_failed=fetch_failed,
            docs_dir=out / "data_docs",
        )
        for name, result in outcome.results.items():
            _write_json(out / f"{name}.json", result)
        _write_json(out / "summary.json", outcome.summary)
        outcome.failures.write_parquet(staging / "tables" / "failures.parquet")
        outcome.products.write_parquet(staging / "tables" / "products.parquet")
        if mapped:
            skus.write_parquet(staging / "tables" / "skus.parquet")
        _commit(staging, run.path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    failed = outcome.products.filter(~pl.col("quality_ok")).height
    log.info(
        "validated %s: %d of %d expectations met, %d products flagged, "
        "%d fetch failures; wrote %s and %s",
        run.path.name,
        sum(row["success"] for row in outcome.summary),
        len(outcome.summary),
        failed,
        outcome.failures.filter(pl.col("stage") == "fetch").height,
        tables,
        run.path / "validation",
    )
    return outcome.summary


def read_failures(run_folder: str | Path) -> pl.DataFrame:
    """`tables/failures.parquet` of a validated run folder."""
    path = Path(run_folder) / "tables" / "failures.parquet"
    if not path.is_file():
        raise ConfigError(f"{path} is missing: validate the run first (validate_run)")
    return pl.read_parquet(path)


def failure_counts(failures: pl.DataFrame) -> pl.DataFrame:
    """Products and rows per stage, defect kind and check, most products first."""
    return (
        failures.group_by("stage", "defect", "check")
        .agg(products=pl.col("product_id").n_unique(), rows=pl.len())
        .sort(["products", "stage", "check"], descending=[True, False, False])
    )


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    os.replace(tmp, path)
