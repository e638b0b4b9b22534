"""The run report: ``metrics.json``, ``report.md`` and a self-contained ``report.html``.

Every figure is computed from the run folder's files (docs/CONTRACTS.md): the manifest,
``tables/*.parquet`` and ``validation/summary.json``. The HTML embeds its charts as
``data:`` URIs and its CSS inline, so it opens anywhere without a network.

A run whose validation has not run (no ``validation/summary.json`` or no
``tables/failures.parquet``) is reported as not validated: its fetch failures come from
``raw/fetch_failures.jsonl.gz`` (or, failing that, the manifest's count) and every
quality figure is ``None``, never a clean bill. When ``pipeline.py`` left a
``<run>/pipeline.json``, each step that did not complete is named near the top.

A Shopee comparison gets its own section once a ``<run>/comparison/`` folder exists,
laid out by :mod:`tiktok_import.report_comparison` from ``comparison/summary.json``,
``comparison/comparison.parquet`` and the ``comparison/*.png`` charts.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from tiktok_import import charts, report_comparison, validation
from tiktok_import.errors import ConfigError
from tiktok_import.storage import RunFolder

logger = logging.getLogger(__name__)

__all__ = [
    "RunData",
    "compute_metrics",
    "drop_secrets",
    "failed_products",
    "load_run",
    "write_report",
]

METRICS_FILE = "metrics.json"
MARKDOWN_FILE = "report.md"
HTML_FILE = "report.html"
COMPARISON_DIR = "comparison"
PIPELINE_FILE = "pipeline.json"
REPORT_NOTEBOOK = "04_report.ipynb"
COMPARE_NOTEBOOK = "05_compare_shopee.ipynb"
TOP_N = 20
_SHOP_KEYS = ("id", "name", "region", "code", "seller_type")

# Keys whose value is a credential, wherever they sit in the parameters.
_SECRET_KEY = re.compile(
    r"secret|token|password|passwd|credential|cookie|auth_code|(^|[_-])sign($|[_-])",
    re.IGNORECASE,
)
_FAILURES_SCHEMA = {
    "product_id": pl.Utf8,
    "stage": pl.Utf8,
    "check": pl.Utf8,
    "defect": pl.Utf8,
    "reason": pl.Utf8,
}
_STEP_NAMES = {
    "01_import.ipynb": "The import",
    "02_validate.ipynb": "Validation",
    "03_tokopedia_breakdown.ipynb": "The Tokopedia breakdown",
    REPORT_NOTEBOOK: "The report",
    COMPARE_NOTEBOOK: "The Shopee comparison",
}
_CHART_TITLES = {
    "listing_split": "Where the products are listed",
    "tokopedia_status": "Status on each platform",
    "integration_by_category": "On Tokopedia, by top-level category",
    "integration_by_price_band": "On Tokopedia, by price band",
    "integration_by_stock_state": "On Tokopedia, by stock state",
}


@dataclass(frozen=True)
class RunData:
    """What the report reads from a run folder; ``None`` where a file is absent.

    ``validated`` is false when the validation's outputs are missing; ``failures``
    then holds only the fetch failures read from the raw file, and ``fetch_listed``
    says whether even those could be read (if not, the manifest's count is used).
    ``pipeline`` is the steps of ``pipeline.json``, ``None`` without one.
    """

    folder: Path
    manifest: dict[str, Any]
    products: pl.DataFrame
    failures: pl.DataFrame
    summary: list[dict[str, Any]] | None
    skus: int | None
    validated: bool = True
    fetch_listed: bool = True
    pipeline: list[dict[str, Any]] | None = None


def load_run(run_folder: str | Path) -> RunData:
    """Read a mapped run folder.

    Raises:
        ConfigError: no manifest or no products table (the message says which step
            to run), or a file that cannot be parsed.
    """
    folder = Path(run_folder)
    if not folder.is_dir():
        raise ConfigError(
            f"run folder {folder} does not exist: pass a folder written by the import "
            "(outputs/<run_id>)"
        )
    manifest = RunFolder.open(folder).read_manifest()
    products = charts.load_products(folder)
    tables = folder / "tables"
    failures_path = tables / "failures.parquet"
    summary = _optional_json(folder / "validation" / "summary.json", "the validation")
    validated = summary is not None and failures_path.is_file()
    fetch_listed = True
    if validated:
        failures = pl.read_parquet(failures_path)
    else:
        logger.warning(
            "%s has not been validated: only its fetch failures are reported", folder
        )
        summary = None
        failures, fetch_listed = _raw_fetch_failures(folder)
    skus_path = tables / "skus.parquet"
    skus = None
    if skus_path.is_file():
        skus = pl.scan_parquet(skus_path).select(pl.len()).collect().item()
    return RunData(
        folder,
        manifest,
        products,
        failures,
        summary,
        skus,
        validated=validated,
        fetch_listed=fetch_listed,
        pipeline=_pipeline_steps(folder / PIPELINE_FILE),
    )


def _raw_fetch_failures(folder: Path) -> tuple[pl.DataFrame, bool]:
    """The run's fetch failures from its raw file, and whether it could be read."""
    path = folder / "raw" / "fetch_failures.jsonl.gz"
    empty = pl.DataFrame(schema=_FAILURES_SCHEMA)
    if not path.is_file():
        logger.warning("%s is missing: fetch failures are counted, not listed", path)
        return empty, False
    try:
        rows = validation.read_fetch_failures(path)
    except ConfigError as exc:
        logger.warning("%s: fetch failures are counted, not listed", exc)
        return empty, False
    return rows.select(list(_FAILURES_SCHEMA)), True


def _pipeline_steps(path: Path) -> list[dict[str, Any]] | None:
    """The steps of ``pipeline.json``; ``None`` when the notebooks ran by hand."""
    record = _optional_json(path, "the pipeline")
    if record is None:
        return None
    steps = record.get("steps") if isinstance(record, dict) else None
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise ConfigError(
            f'{path} should hold {{"steps": [{{"notebook", "status", ...}}]}}, '
            f"got {type(steps if isinstance(record, dict) else record).__name__}: "
            "re-run the pipeline"
        )
    return drop_secrets(steps)


def drop_secrets(value: Any) -> Any:
    """A copy of ``value`` without any key that names a credential, at any depth."""
    if isinstance(value, dict):
        return {
            key: drop_secrets(item)
            for key, item in value.items()
            if not _SECRET_KEY.search(str(key))
        }
    if isinstance(value, list):
        return [drop_secrets(item) for item in value]
    return value


def _ratio(part: float | None, whole: float | None) -> float | None:
    return part / whole if part is not None and whole else None


def _by_reason(failures: pl.DataFrame) -> list[dict[str, Any]]:
    """Failed products per stage and check, with the most frequent reason as example."""
    if failures.is_empty():
        return []
    table = (
        failures.group_by("stage", "check", "defect")
        .agg(
            pl.col("product_id").n_unique().alias("products"),
            pl.col("reason").mode().sort().first().alias("example_reason"),
        )
        .sort(["stage", "products", "check"], descending=[False, True, False])
    )
    return table.to_dicts()


def _failed_counts(run: RunData) -> dict[str, int | None]:
    """Products failed per stage; ``None`` for what the run cannot tell yet."""
    failures = run.failures
    fetch: int | None = failures.filter(pl.col("stage") == "fetch")[
        "product_id"
    ].n_unique()
    if not run.fetch_listed:
        fetch = (run.manifest.get("counts") or {}).get("failed")
    quality: int | None = None
    if run.validated:
        quality = failures.filter(pl.col("stage") == "validation")[
            "product_id"
        ].n_unique()
    total = None if fetch is None or quality is None else fetch + quality
    return {"total": total, "fetch": fetch, "validation": quality}


def _import_metrics(run: RunData) -> dict[str, Any]:
    manifest, failures = run.manifest, run.failures
    counts = manifest.get("counts") or {}
    found = counts.get("found")
    imported = run.products.height
    details = bool((manifest.get("parameters") or {}).get("fetch_details", True))
    clean = (
        int(run.products["quality_ok"].sum())
        if run.validated and "quality_ok" in run.products.columns
        else None
    )
    duration = manifest.get("duration_seconds")
    retries = manifest.get("retries") or {}
    requests = manifest.get("requests") or {}
    return {
        "found": found,
        # A search-only run never calls Get Product: its "fetched" is not a count
        # of details, whatever the manifest says.
        "details_fetched": details,
        "fetched": counts.get("fetched") if details else None,
        "imported": imported,
        "validated": run.validated,
        "failed": _failed_counts(run),
        "failed_by_reason": _by_reason(failures),
        "success_rate": _ratio(imported, found),
        "clean": clean,
        "clean_rate": _ratio(clean, found),
        "duration_seconds": duration,
        # A resumed run's figures add up its attempts (docs/CONTRACTS.md).
        "attempts": 1 + len(manifest.get("resumed") or []),
        "products_per_second": _ratio(imported, duration),
        "requests": {
            "total": requests.get("total"),
            "by_endpoint": requests.get("by_endpoint") or {},
        },
        "retries": {"total": sum(retries.values()), "by_reason": retries},
        "token_refreshes": manifest.get("token_refreshes"),
        "throttle_wait_seconds": manifest.get("throttle_wait_seconds"),
        "peak_rss_mb": manifest.get("peak_rss_mb"),
    }


def _tokopedia_metrics(products: pl.DataFrame) -> dict[str, Any]:
    split = charts.listing_split(products)
    listing = {
        row["listing"]: {"products": row["products"], "share": row["share"]}
        for row in split.iter_rows(named=True)
    }
    on_tokopedia = sum(listing[name]["products"] for name in charts.ON_TOKOPEDIA)
    statuses = charts.status_distribution(products)
    mismatches = charts.status_mismatches(products)
    live_on = dict(mismatches.group_by("live_on").len().iter_rows())
    return {
        "products": products.height,
        "listing": listing,
        "on_tokopedia": on_tokopedia,
        "on_tiktok_shop": products.height - listing["tokopedia_only"]["products"],
        "integration_rate": _ratio(on_tokopedia, products.height),
        "status": {
            platform: {
                status: n
                for status, n in statuses.select("status", platform).iter_rows()
                if n
            }
            for platform in ("tiktok_shop", "tokopedia")
        },
        "mismatches": {
            "total": mismatches.height,
            "live_on_tiktok_shop_only": live_on.get("TikTok Shop", 0),
            "live_on_tokopedia_only": live_on.get("Tokopedia", 0),
            "neither_live": live_on.get("neither", 0),
        },
        "integration_by": {
            by: charts.integration_rate(products, by).to_dicts()
            for by in charts.INTEGRATION_DIMENSIONS
        },
    }


def _quality_metrics(run: RunData) -> dict[str, Any]:
    products = run.products
    results = run.summary or []
    passed = sum(bool(entry.get("success")) for entry in results)
    quality: dict[str, Any] = {
        "validated": run.validated,
        "expectations": {"total": None, "passed": None, "failed": None},
        "results": results,
        "products_passing": None,
        "products_failing": None,
        "pass_rate": None,
        "issues": None,
    }
    if not run.validated:
        return quality
    quality["expectations"] = {
        "total": len(results),
        "passed": passed,
        "failed": len(results) - passed,
    }
    quality["issues"] = {}
    if "quality_ok" in products.columns:
        passing = int(products["quality_ok"].sum())
        quality["products_passing"] = passing
        quality["products_failing"] = int((~products["quality_ok"]).sum())
        quality["pass_rate"] = _ratio(passing, products.height)
    if "quality_issues" in products.columns:
        issues = (
            products.select(pl.col("quality_issues").explode().alias("issue"))
            .drop_nulls()
            .group_by("issue")
            .len()
            .sort(["len", "issue"], descending=[True, False])
        )
        quality["issues"] = dict(issues.iter_rows())
    return quality


def _catalog_metrics(run: RunData) -> dict[str, Any]:
    products = run.products
    prices = products.select(
        pl.col("min_price").min().alias("lowest"),
        pl.col("max_price").max().alias("highest"),
    ).row(0, named=True)
    categories = charts.top_level_category(products)
    return {
        "products": products.height,
        "skus": run.skus if run.skus is not None else int(products["sku_count"].sum()),
        "top_level_categories": categories.filter(
            categories != charts.NO_CATEGORY
        ).n_unique(),
        "brands": products["brand"].drop_nulls().n_unique(),
        "currencies": sorted(products["currency"].drop_nulls().unique().to_list()),
        "lowest_price": prices["lowest"],
        "highest_price": prices["highest"],
        "total_stock": products["total_stock"].sum(),
        "platforms": sorted(products["platform"].drop_nulls().unique().to_list()),
    }


def _run_facts(manifest: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "run_id",
        "status",
        "source",
        "base_url",
        "package_version",
        "started_at",
        "finished_at",
        "error",
    )
    facts = {key: manifest.get(key) for key in keys}
    facts["windows"] = len(manifest.get("windows") or [])
    return drop_secrets(facts)


def _optional_json(path: Path, step: str) -> Any:
    """A step's JSON output, None when the step has not run; corrupt is an error."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}): re-run {step}") from None


def _comparison(folder: Path) -> dict[str, Any] | None:
    """The optional Shopee comparison, or None when ``comparison/`` is absent.

    ``summary`` is ``summary.json`` as written (``None`` without it), ``charts`` its
    PNG files, ``pairs`` what :func:`report_comparison.read_pairs` takes from
    ``comparison.parquet``.
    """
    directory = folder / COMPARISON_DIR
    if not directory.is_dir():
        return None
    summary = _optional_json(directory / "summary.json", "the comparison")
    chart_paths = sorted(directory.glob("*.png"))
    return {
        "summary": drop_secrets(summary),
        "charts": [path.relative_to(folder).as_posix() for path in chart_paths],
        "pairs": report_comparison.read_pairs(directory / "comparison.parquet"),
    }


def _step_notice(step: dict[str, Any]) -> str:
    name = _STEP_NAMES.get(step.get("notebook"), f"Step {step.get('notebook')}")
    status, error = step.get("status"), step.get("error")
    if status == "failed":
        return f"{name} failed: {error}" if error else f"{name} failed."
    if status == "running":
        return f"{name} did not finish."
    if status == "skipped":
        return f"{name} was skipped: {error}" if error else f"{name} was skipped."
    return f"{name} is {status}, not complete."


def _pipeline(steps: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The pipeline's steps and a sentence for each that did not complete.

    The report's own step is left out of the sentences: it is running as this is
    written, and a report that exists has not failed.
    """
    if steps is None:
        return None
    return {
        "steps": steps,
        "notices": [
            _step_notice(step)
            for step in steps
            if step.get("status") != "complete"
            and step.get("notebook") != REPORT_NOTEBOOK
        ],
    }


def _step(steps: list[dict[str, Any]] | None, notebook: str) -> dict[str, Any] | None:
    """The last record of ``notebook`` among the pipeline's steps."""
    found = [step for step in steps or [] if step.get("notebook") == notebook]
    return found[-1] if found else None


def compute_metrics(run: RunData | str | Path) -> dict[str, Any]:
    """Every figure of the report, from the run's files (written as ``metrics.json``).

    Sections: ``import``, ``tokopedia``, ``quality``, ``catalog``, ``shop``, ``run``,
    ``parameters`` (without anything that looks like a secret), ``comparison``
    (``None`` until ``<run>/comparison/`` exists) and ``pipeline`` (the steps of
    ``pipeline.json`` and a sentence per step that did not complete; ``None``
    without that file).
    """
    if not isinstance(run, RunData):
        run = load_run(run)
    manifest = run.manifest
    return {
        "run_id": manifest.get("run_id") or run.folder.name,
        "import": _import_metrics(run),
        "tokopedia": _tokopedia_metrics(run.products),
        "quality": _quality_metrics(run),
        "catalog": _catalog_metrics(run),
        "shop": dict.fromkeys(_SHOP_KEYS) | drop_secrets(manifest.get("shop") or {}),
        "run": _run_facts(manifest),
        "parameters": drop_secrets(manifest.get("parameters") or {}),
        "comparison": _comparison(run.folder),
        "pipeline": _pipeline(run.pipeline),
    }


def failed_products(run: RunData, top_n: int | None = TOP_N) -> pl.DataFrame:
    """The failed products with their title, stage, checks and reasons.

    Products failing the most checks come first; at most ``top_n`` rows (all when
    ``None``).
    """
    titles = run.products.select("product_id", "title")
    return (
        run.failures.group_by("product_id", "stage")
        .agg(
            pl.len().alias("failed_checks"),
            pl.col("check").unique(maintain_order=True).str.join(", ").alias("checks"),
            pl.col("reason")
            .unique(maintain_order=True)
            .str.join("; ")
            .alias("reasons"),
        )
        .join(titles, on="product_id", how="left")
        .sort(["failed_checks", "stage", "product_id"], descending=[True, True, False])
        .head(top_n if top_n is not None else run.failures.height)
        .select("product_id", "title", "stage", "checks", "reasons")
    )


# --- rendering -------------------------------------------------------------------


def _fmt_int(value: Any) -> str:
    return "—" if value is None else f"{value:,}"


def _fmt_pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}%}"


def _fmt_num(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _fmt_money(value: Any, currency: str = "IDR", signed: bool = False) -> str:
    """An amount: ``Rp 635,000`` in whole rupiah, ``MYR 12.50`` in another currency.

    ``signed`` puts ``+`` before a positive amount, as for a gap.
    """
    if value is None:
        return "—"
    if currency == "IDR":
        amount = round(value)
        text = f"Rp {abs(amount):,}"
    else:
        amount = round(value, 2)
        text = f"{currency} {abs(amount):,.2f}"
    if amount < 0:
        return f"-{text}"
    return f"+{text}" if signed and amount > 0 else text


def _fmt_gap(value: Any, currency: str = "IDR") -> str:
    return _fmt_money(value, currency, signed=True)


def _fmt_signed(value: Any, unit: str = "", digits: int = 1) -> str:
    """A gap as ``+12.0%``, ``-223`` or ``0``: whole numbers without decimals."""
    if value is None:
        return "—"
    if unit or value != int(value):
        value = round(value, digits)
        text = f"{value:+,.{digits}f}" if value else f"{0:.{digits}f}"
    else:
        text = f"{int(value):+,}" if value else "0"
    return text + unit


def _fmt_text(value: Any) -> str:
    if value is None:
        return "—"
    return "(empty)" if value == "" else str(value)


def _fmt_parameter(value: Any) -> str:
    """A parameter as its JSON value; plain text for a non-empty string."""
    if isinstance(value, str) and value:
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell (no pipes, no raw HTML, one line)."""
    text = " ".join(_fmt_text(value).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tiktok_import", "templates"),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        int=_fmt_int,
        pct=_fmt_pct,
        num=_fmt_num,
        text=_fmt_text,
        md=_md_cell,
        parameter=_fmt_parameter,
        money=_fmt_money,
        gap=_fmt_gap,
        signed=_fmt_signed,
    )
    return env


def _currency(currencies: list[str]) -> str:
    """The catalog's one currency; IDR, the comparison's own, when not just one."""
    return currencies[0] if len(currencies) == 1 else "IDR"


def _table(frame: pl.DataFrame) -> dict[str, Any]:
    return {"columns": frame.columns, "rows": [list(row) for row in frame.iter_rows()]}


def _failed_counts_text(failed: pl.DataFrame, *, validated: bool) -> dict[str, str]:
    """What the failed products table counts, and its order, in words.

    A product that could not be fetched has one failed row and no quality check,
    so it sorts after every product failing a check.
    """
    by_stage = dict(failed.group_by("stage").len().iter_rows())
    quality, fetch = by_stage.get("validation", 0), by_stage.get("fetch", 0)
    if not validated:
        return {
            "what": f"{fetch:,} that could not be fetched; validation has not run",
            "order": "",
        }
    order = ", those failing the most quality checks first" if quality else ""
    if quality and fetch:
        order += ", then those that could not be fetched"
    return {
        "what": f"{quality:,} failing a quality check, "
        f"{fetch:,} that could not be fetched",
        "order": order,
    }


def _context(
    run: RunData, metrics: dict[str, Any], chart_paths: dict[str, Path], top_n: int
) -> dict[str, Any]:
    every_failed = failed_products(run, top_n=None)
    failed = every_failed.head(top_n)
    mismatches = charts.status_mismatches(run.products)
    results = metrics["quality"]["results"]
    comparison = metrics["comparison"]
    compare_step = _step(run.pipeline, COMPARE_NOTEBOOK)
    no_comparison = None
    if comparison is None and compare_step is not None:
        # Said only when the record shows the step ran or was skipped; a failed or
        # unfinished step is named at the top instead.
        if compare_step.get("status") == "complete":
            no_comparison = "There is no Shopee comparison for this run."
        elif compare_step.get("status") == "skipped":
            no_comparison = "There is no Shopee comparison for this run: " + (
                f"the step was skipped ({compare_step['error']})."
                if compare_step.get("error")
                else "the step was skipped."
            )
    return {
        "m": metrics,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "charts": [
            {
                "name": name,
                "title": _CHART_TITLES.get(name, name),
                "file": path.relative_to(run.folder).as_posix(),
                "path": path,
            }
            for name, path in chart_paths.items()
        ],
        "failed": _table(failed),
        "failed_more": every_failed.height - failed.height,
        "failed_counts": _failed_counts_text(every_failed, validated=run.validated),
        "mismatches": _table(mismatches.head(top_n)),
        "mismatches_more": max(mismatches.height - top_n, 0),
        "expectations": sorted(results, key=lambda e: bool(e.get("success"))),
        "failing_expectations": [e for e in results if not e.get("success")],
        "passing_expectations": [e for e in results if e.get("success")],
        "top_n": top_n,
        "notices": (metrics["pipeline"] or {}).get("notices", []),
        "no_comparison": no_comparison,
        "comparison": None
        if comparison is None
        else report_comparison.section(
            comparison,
            run.folder,
            tokopedia_mismatches=metrics["tokopedia"]["mismatches"]["total"],
            currency=_currency(metrics["catalog"]["currencies"]),
        ),
    }


def _data_uri(path: Path) -> str:
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:image/png;base64,{encoded}"


def _render_markdown(context: dict[str, Any]) -> str:
    """The report as Markdown; charts are linked as ``charts/*.png`` beside it."""
    return _environment().get_template("report.md.j2").render(context)


def _render_html(context: dict[str, Any]) -> str:
    """The report as one HTML page, charts embedded, no external resource."""
    env = _environment()
    env.filters["data_uri"] = _data_uri
    return env.get_template("report.html.j2").render(context)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def write_report(run: RunData | str | Path, *, top_n: int = TOP_N) -> dict[str, Path]:
    """Draw the charts, then write ``metrics.json``, ``report.md`` and ``report.html``.

    Args:
        run: a mapped run folder (``tables/products.parquet`` present), or its data
            from :func:`load_run`.
        top_n: failed products and status mismatches listed in the report.

    Returns:
        The paths written, by kind: ``metrics``, ``markdown``, ``html``.

    Raises:
        ConfigError: the run folder lacks its manifest or products table.
    """
    if top_n < 1:
        raise ConfigError(f"top_n must be 1 or more, got {top_n}")
    if not isinstance(run, RunData):
        run = load_run(run)
    metrics = compute_metrics(run)
    chart_paths = charts.build_charts(run.folder)
    context = _context(run, metrics, chart_paths, top_n)
    written = {
        "metrics": run.folder / METRICS_FILE,
        "markdown": run.folder / MARKDOWN_FILE,
        "html": run.folder / HTML_FILE,
    }
    written["metrics"].write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False, default=_json_default),
        encoding="utf-8",
    )
    written["markdown"].write_text(_render_markdown(context), encoding="utf-8")
    written["html"].write_text(_render_html(context), encoding="utf-8")
    for path in written.values():
        logger.info("wrote %s", path)
    return written
