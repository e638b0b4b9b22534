"""The seller's TikTok Shop catalog against its Shopee catalog.

`compare_run` reads a run's TikTok tables (mapping them first if needed) and a
Shopee catalog (saved API responses or a mass-update xlsx; the emulator's when
none is given), pairs them (`tiktok_import.matching`) and writes to
`<run>/comparison/`: `comparison.parquet` (one row per pair or unmatched
product), `ambiguous.parquet`, `summary.json` and PNG charts.

Price gaps are measured only where both prices are valid (`price_valid`): a TikTok
product with a SKU lacking a price, a zero price, or a price-related quality issue
would show a gap that is the defect, not a price difference.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .errors import ConfigError  # noqa: E402
from .matching import match_catalogs  # noqa: E402
from .shopee import KINDS, ShopeeCatalog, read_shopee  # noqa: E402
from .storage import resolve_run_folder  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = [
    "CHART_NAMES",
    "COMPARISON_DIR",
    "Comparison",
    "build_comparison",
    "compare_run",
    "emulator_shop_index",
    "load_tiktok_tables",
    "make_charts",
    "shopee_for_run",
    "summarize",
]

COMPARISON_DIR = "comparison"
CHART_NAMES = ("coverage", "price_gap", "stock_gap", "tokopedia_vs_shopee")
TIKTOK_LIVE = "ACTIVATE"
SHOPEE_LIVE = "NORMAL"
TOP_GAPS = 10
EXCLUDED_IDS = 20  # product ids listed in the summary per exclusion
# What a pair's price row shows wherever pairs are listed by price.
PRICE_ROW = (
    "tiktok_product_id",
    "shopee_item_id",
    "tiktok_title",
    "tiktok_price",
    "shopee_price",
)
_COVERAGE_LABELS = {"tiktok_only": "TikTok Shop only", "shopee_only": "Shopee only"}
_METHOD_LABELS = {"sku": "seller SKU", "title": "fuzzy title"}


class Comparison(NamedTuple):
    """The comparison table, the ambiguous candidates and the summary figures."""

    table: pl.DataFrame
    ambiguous: pl.DataFrame
    summary: dict[str, Any]


def build_comparison(
    tiktok_products: pl.DataFrame,
    tiktok_skus: pl.DataFrame,
    shopee: ShopeeCatalog,
) -> Comparison:
    """Pair the catalogs and build one row per pair or unmatched product."""
    match = match_catalogs(tiktok_products, tiktok_skus, shopee.products, shopee.skus)
    tiktok = tiktok_products.with_columns(
        tiktok_price_ok=_tiktok_price_ok(tiktok_products, tiktok_skus)
    ).select(
        tiktok_product_id="product_id",
        tiktok_title="title",
        tiktok_price=pl.col("min_price").cast(pl.Float64),
        tiktok_stock="total_stock",
        tiktok_status="status",
        tiktok_price_ok="tiktok_price_ok",
        tiktok_quality_ok=(
            pl.col("quality_ok")
            if "quality_ok" in tiktok_products.columns
            else pl.lit(None, pl.Boolean)
        ),
        tokopedia_status=(
            pl.col("tokopedia_status")
            if "tokopedia_status" in tiktok_products.columns
            else pl.lit(None, pl.Utf8)
        ),
    )
    shop = shopee.products.select(
        shopee_item_id="product_id",
        shopee_title="title",
        shopee_price=pl.col("min_price").cast(pl.Float64),
        shopee_stock="total_stock",
        shopee_status="status",
    )
    table = (
        match.pairs.join(tiktok, on="tiktok_product_id", how="full", coalesce=True)
        .join(shop, on="shopee_item_id", how="full", coalesce=True)
        .with_columns(
            coverage=pl.when(
                pl.col("tiktok_product_id").is_not_null()
                & pl.col("shopee_item_id").is_not_null()
            )
            .then(pl.lit("both"))
            .when(pl.col("tiktok_product_id").is_not_null())
            .then(pl.lit("tiktok_only"))
            .otherwise(pl.lit("shopee_only")),
            ambiguous=pl.col("shopee_item_id").is_in(
                match.ambiguous["shopee_item_id"].implode()
            ),
            price_gap=pl.col("shopee_price") - pl.col("tiktok_price"),
            stock_gap=pl.col("shopee_stock") - pl.col("tiktok_stock"),
            on_tokopedia=pl.col("tiktok_product_id").is_not_null()
            & pl.col("tokopedia_status").is_not_null(),
        )
        .with_columns(
            price_gap_pct=pl.when(pl.col("tiktok_price") > 0).then(
                100 * pl.col("price_gap") / pl.col("tiktok_price")
            ),
            price_valid=pl.when(pl.col("coverage") == "both").then(
                pl.col("tiktok_price_ok").fill_null(False)
                & (pl.col("shopee_price") > 0).fill_null(False)
            ),
            status_mismatch=pl.when(pl.col("coverage") == "both").then(
                (pl.col("tiktok_status") == TIKTOK_LIVE)
                != (pl.col("shopee_status") == SHOPEE_LIVE)
            ),
        )
        .select(
            "coverage",
            "method",
            "score",
            "ambiguous",
            "tiktok_product_id",
            "shopee_item_id",
            "tiktok_title",
            "shopee_title",
            "tiktok_price",
            "shopee_price",
            "price_gap",
            "price_gap_pct",
            "price_valid",
            "tiktok_quality_ok",
            "tiktok_stock",
            "shopee_stock",
            "stock_gap",
            "tiktok_status",
            "shopee_status",
            "status_mismatch",
            "tokopedia_status",
            "on_tokopedia",
        )
        .sort("coverage", "tiktok_product_id", "shopee_item_id", nulls_last=True)
    )
    return Comparison(table, match.ambiguous, summarize(table, match.ambiguous))


def _tiktok_price_ok(products: pl.DataFrame, skus: pl.DataFrame) -> pl.Expr:
    """True for a TikTok product whose lowest price can be compared."""
    unpriced = skus.filter(
        pl.col("price").is_null() | (pl.col("price").cast(pl.Float64) <= 0)
    )["product_id"]
    ok = (pl.col("min_price").cast(pl.Float64) > 0).fill_null(False) & ~pl.col(
        "product_id"
    ).is_in(unpriced.implode())
    if "quality_issues" in products.columns:
        # Validation's defect kinds (missing_price, zero_price) and price checks.
        issues = pl.col("quality_issues").fill_null(pl.lit([], pl.List(pl.Utf8)))
        ok = ok & ~issues.list.eval(pl.element().str.contains("price")).list.any()
    return ok


def _counts(column: pl.Series) -> dict[str, int]:
    return {
        str(key): int(count)
        for key, count in column.value_counts(sort=True).iter_rows()
        if key is not None
    }


def _stats(values: pl.Series) -> dict[str, float | int | None]:
    values = values.drop_nulls()
    if values.is_empty():
        return {"count": 0}
    return {
        "count": values.len(),
        "mean": round(float(values.mean()), 2),
        "median": round(float(values.median()), 2),
        "p10": round(float(values.quantile(0.1)), 2),
        "p90": round(float(values.quantile(0.9)), 2),
        "min": round(float(values.min()), 2),
        "max": round(float(values.max()), 2),
    }


def _largest(table: pl.DataFrame, column: str) -> list[dict[str, Any]]:
    rows = (
        table.filter(pl.col(column).is_not_null())
        .sort(pl.col(column).abs(), descending=True)
        .head(TOP_GAPS)
        .select(*PRICE_ROW, "price_gap", "price_gap_pct")
    )
    return [
        {key: (round(v, 2) if isinstance(v, float) else v) for key, v in row.items()}
        for row in rows.to_dicts()
    ]


def summarize(table: pl.DataFrame, ambiguous: pl.DataFrame) -> dict[str, Any]:
    """The comparison's figures, as written to summary.json."""
    both = table.filter(pl.col("coverage") == "both")
    priced = both.filter(pl.col("price_valid") & pl.col("price_gap").is_not_null())
    excluded = both.filter(~pl.col("price_valid"))
    tiktok = table.filter(pl.col("tiktok_product_id").is_not_null())
    presence = (
        tiktok.group_by("on_tokopedia", on_shopee=pl.col("coverage") == "both")
        .len()
        .to_dicts()
    )
    return {
        "counts": {
            "tiktok_products": tiktok.height,
            "shopee_items": table["shopee_item_id"].drop_nulls().len(),
            "pairs": both.height,
            "ambiguous_shopee_items": ambiguous["shopee_item_id"].n_unique(),
        },
        "coverage": _counts(table["coverage"]),
        "method": _counts(both["method"]),
        "price_gap_excluded": {
            "pairs": excluded.height,
            # None when the run's tables were not validated.
            "quality_failed": None
            if both["tiktok_quality_ok"].is_null().all()
            else int((~excluded["tiktok_quality_ok"]).sum()),
            "reason": "a price missing or zero on a SKU, or a price-related quality "
            "issue: these pairs are left out of every price-gap figure",
            "tiktok_product_ids": excluded["tiktok_product_id"]
            .head(EXCLUDED_IDS)
            .to_list(),
        },
        "price_gap_idr": _stats(priced["price_gap"]),
        "price_gap_pct": _stats(priced["price_gap_pct"]),
        "price_equal": int((priced["price_gap"] == 0).sum()),
        "shopee_cheaper": int((priced["price_gap"] < 0).sum()),
        "shopee_dearer": int((priced["price_gap"] > 0).sum()),
        "largest_gaps_idr": _largest(priced, "price_gap"),
        "largest_gaps_pct": _largest(priced, "price_gap_pct"),
        "stock_gap": _stats(both["stock_gap"]),
        "stock_equal": int((both["stock_gap"] == 0).sum()),
        "status_mismatches": int(both["status_mismatch"].fill_null(False).sum()),
        "tokopedia_vs_shopee": {
            f"tokopedia_{'yes' if row['on_tokopedia'] else 'no'}__shopee_"
            f"{'yes' if row['on_shopee'] else 'no'}": row["len"]
            for row in presence
        },
    }


# --- charts --------------------------------------------------------------------


def _figure(title: str) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.set_title(title)
    fig.set_layout_engine("tight")
    return fig, ax


def plot_coverage(table: pl.DataFrame) -> Figure:
    """Products on both platforms (by how they were paired) and on one only."""
    fig, ax = _figure("Where the seller's products are listed")
    groups = table.with_columns(
        group=pl.when(pl.col("coverage") == "both")
        .then(pl.lit("both, by ") + pl.col("method").replace(_METHOD_LABELS))
        .otherwise(pl.col("coverage").replace(_COVERAGE_LABELS))
    )["group"]
    counts = _counts(groups)
    ax.barh(list(counts), list(counts.values()), color="#3b7dd8")
    ax.set_xlabel("products")
    return fig


def _histogram(values: pl.Series, title: str, xlabel: str) -> Figure:
    fig, ax = _figure(title)
    values = values.drop_nulls()
    if values.is_empty():
        ax.text(0.5, 0.5, "no pairs with values on both sides", ha="center")
        ax.set_axis_off()
    else:
        ax.hist(values.to_numpy(), bins=40, color="#3b7dd8")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("pairs")
    return fig


def plot_tokopedia_vs_shopee(table: pl.DataFrame) -> Figure:
    """TikTok products by presence on Tokopedia and on Shopee."""
    fig, ax = _figure("TikTok products: also on Tokopedia? also on Shopee?")
    tiktok = table.filter(pl.col("tiktok_product_id").is_not_null())
    labels, on_shopee, off_shopee = [], [], []
    for flag, label in ((True, "on Tokopedia"), (False, "not on Tokopedia")):
        part = tiktok.filter(pl.col("on_tokopedia") == flag)
        labels.append(label)
        on_shopee.append(int((part["coverage"] == "both").sum()))
        off_shopee.append(int((part["coverage"] != "both").sum()))
    ax.barh(labels, on_shopee, color="#3b7dd8", label="on Shopee")
    ax.barh(labels, off_shopee, left=on_shopee, color="#c9c9c9", label="not on Shopee")
    ax.set_xlabel("TikTok products")
    ax.legend(loc="lower right")
    return fig


def make_charts(table: pl.DataFrame) -> dict[str, Figure]:
    """The comparison charts by name (CHART_NAMES)."""
    both = table.filter(pl.col("coverage") == "both")
    return {
        "coverage": plot_coverage(table),
        "price_gap": _histogram(
            both.filter(pl.col("price_valid"))["price_gap_pct"],
            "Shopee price against TikTok price (lowest SKU price)",
            "gap, % of the TikTok price (positive: dearer on Shopee)",
        ),
        "stock_gap": _histogram(
            both["stock_gap"],
            "Shopee stock against TikTok stock",
            "Shopee stock minus TikTok stock (units)",
        ),
        "tokopedia_vs_shopee": plot_tokopedia_vs_shopee(table),
    }


# --- the run -------------------------------------------------------------------


def load_tiktok_tables(run_folder: str | Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The run's products and SKUs tables, mapping the raw files when absent."""
    tables = Path(run_folder) / "tables"
    if not (tables / "products.parquet").is_file():
        from .mapping import map_run

        logger.info("%s has no tables yet: mapping the run first", run_folder)
        products, skus = map_run(run_folder)
        return products.collect(), skus.collect()
    return (
        pl.read_parquet(tables / "products.parquet"),
        pl.read_parquet(tables / "skus.parquet"),
    )


def emulator_shop_index(manifest: dict[str, Any]) -> int:
    """Which of the emulator's shops (0-based) an emulator run imported.

    Raises:
        ConfigError: the run's shop id is none of the emulator's shops.
    """
    from .emulator.catalog import make_shop

    parameters = manifest.get("parameters") or {}
    shops = int(parameters.get("emulator_shops") or 1)
    seed = int(parameters.get("seed", 7))
    shop_id = str((manifest.get("shop") or {}).get("id") or "")
    if not shop_id and shops == 1:
        return 0
    for index in range(shops):
        if make_shop(seed, index)["id"] == shop_id:
            return index
    raise ConfigError(
        f"run {manifest.get('run_id')!r} imported shop {shop_id or '(none)'}, which "
        f"is none of the {shops} emulated shop(s) for seed {seed}: pass "
        "shopee_source (a folder of Shopee API responses or an xlsx export)"
    )


def shopee_for_run(run_folder: str | Path, kind: str = "api") -> Path:
    """Write the emulator's Shopee twin of the shop an emulator run imported."""
    from .emulator.shopee import write_shopee_catalog

    manifest = json.loads((Path(run_folder) / "manifest.json").read_text())
    parameters = manifest.get("parameters") or {}
    if manifest.get("source") not in (None, "emulator") or (
        "catalog_size" not in parameters
    ):
        raise ConfigError(
            f"run {Path(run_folder).name} is not an emulator run: pass "
            "shopee_source (a folder of Shopee API responses or an xlsx export)"
        )
    shop_index = emulator_shop_index(manifest)
    out = Path(run_folder) / COMPARISON_DIR / f"shopee_{kind}"
    if out.is_dir():
        # Files of an earlier twin (another shop's, before shop_index) would mix in.
        shutil.rmtree(out)
    return write_shopee_catalog(
        int(parameters["catalog_size"]),
        int(parameters.get("seed", 7)),
        out,
        kind,
        shop_index=shop_index,
    )


def compare_run(
    run_folder: str | Path = "",
    shopee_source: str | Path = "",
    shopee_kind: str = "api",
) -> tuple[Comparison, dict[str, Path]]:
    """Compare a run's TikTok catalog with a Shopee catalog; write the results.

    Returns the comparison and the written files by name.

    Raises:
        ConfigError: a bad parameter, an incomplete run, or an unreadable source.
    """
    if shopee_kind not in KINDS:
        raise ConfigError(
            f"shopee_kind must be one of {', '.join(KINDS)}, got {shopee_kind!r}"
        )
    run = resolve_run_folder(run_folder)
    products, skus = load_tiktok_tables(run.path)
    source = Path(shopee_source) if str(shopee_source) else None
    if source is None:
        source = shopee_for_run(run.path, shopee_kind)
    logger.info("comparing %s with Shopee %s source %s", run.path, shopee_kind, source)
    shopee = read_shopee(source, shopee_kind, run_id=run.path.name)
    comparison = build_comparison(products, skus, shopee)
    comparison.summary["inputs"] = {
        "run_folder": str(run.path),
        "shopee_source": str(source),
        "shopee_kind": shopee_kind,
    }

    out = run.path / COMPARISON_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = {
        "comparison": out / "comparison.parquet",
        "ambiguous": out / "ambiguous.parquet",
        "summary": out / "summary.json",
    }
    comparison.table.write_parquet(written["comparison"])
    comparison.ambiguous.write_parquet(written["ambiguous"])
    written["summary"].write_text(
        json.dumps(comparison.summary, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    for name, fig in make_charts(comparison.table).items():
        written[name] = out / f"{name}.png"
        fig.savefig(written[name])
        plt.close(fig)
    logger.info("wrote the comparison to %s", out)
    return comparison, written
