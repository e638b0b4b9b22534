"""The run report's Shopee comparison section.

Reads what :mod:`tiktok_import.comparison` wrote under ``<run>/comparison/``
(docs/CONTRACTS.md): ``summary.json`` for the figures, ``comparison.parquet`` for
how the status mismatches split and which pairs the price gaps leave out, and the
PNG charts. :func:`read_pairs` gives the figures ``metrics.json`` keeps from the
parquet; :func:`section` lays everything out for the report's templates.

``summary.json`` is read figure by figure, each checked for its type. A figure this
module does not know, or one of another shape than expected, is not dropped: it is
listed under "Other figures" as it stands, so an unexpected summary still reports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from tiktok_import.comparison import (
    CHART_NAMES,
    EXCLUDED_IDS,
    PRICE_ROW,
    SHOPEE_LIVE,
    TIKTOK_LIVE,
)
from tiktok_import.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["CHART_CAPTIONS", "read_pairs", "section"]

CHART_CAPTIONS = {
    "coverage": "Products on both platforms, by how each pair was matched, "
    "and products on one platform only",
    "price_gap": "Price gap per pair, in % of the TikTok Shop price (positive: "
    "dearer on Shopee); pairs left out of the price gaps are not drawn",
    "stock_gap": "Stock gap per pair: Shopee stock minus TikTok Shop stock, in units",
    "tokopedia_vs_shopee": "TikTok Shop products by whether they are also on "
    "Tokopedia and on Shopee",
}
_COVERAGE = (
    ("both", "On both platforms (paired)"),
    ("tiktok_only", "TikTok Shop only"),
    ("shopee_only", "Shopee only"),
)
_METHODS = (("sku", "by seller SKU"), ("title", "by fuzzy title"))
_KINDS = {
    "api": "saved Shopee Open Platform API responses",
    "xlsx": "a Seller Centre mass-update export (xlsx)",
}
_STATS = ("count", "median", "p10", "p90", "min", "max", "mean")
_GAP_COLUMNS = {
    "tiktok_product_id": str,
    "shopee_item_id": str,
    "tiktok_title": str,
    "tiktok_price": float,
    "shopee_price": float,
    "price_gap": float,
    "price_gap_pct": float,
}
_PRESENCE = {
    (tokopedia, shopee): f"tokopedia_{tokopedia}__shopee_{shopee}"
    for tokopedia in ("yes", "no")
    for shopee in ("yes", "no")
}
_PAIR_COLUMNS = (
    "coverage",
    "tiktok_product_id",
    "shopee_item_id",
    "tiktok_title",
    "tiktok_price",
    "shopee_price",
    "price_valid",
    "tiktok_status",
    "shopee_status",
    "status_mismatch",
)


# --- reading -----------------------------------------------------------------


def read_pairs(path: Path) -> dict[str, Any] | None:
    """What the report reads from ``comparison.parquet``, for ``metrics.json``.

    ``status`` splits the status mismatches by the platform the pair is live on;
    ``price_gap_excluded`` lists the pairs left out of price gaps (at most
    ``comparison.EXCLUDED_IDS``, as ``summary.json`` does). ``None`` when the file
    is absent or of an older layout.

    Raises:
        ConfigError: the file cannot be read.
    """
    if not path.is_file():
        return None
    try:
        schema = pl.read_parquet_schema(path)
        missing = [name for name in _PAIR_COLUMNS if name not in schema]
        if missing:
            logger.warning(
                "%s has no column %s: status and price details left out",
                path,
                ", ".join(missing),
            )
            return None
        pairs = pl.read_parquet(path, columns=list(_PAIR_COLUMNS)).filter(
            pl.col("coverage") == "both"
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ConfigError(
            f"{path} cannot be read ({exc}): re-run the comparison"
        ) from None
    mismatched = pairs.filter(pl.col("status_mismatch").fill_null(False))
    excluded = pairs.filter(~pl.col("price_valid").fill_null(True))
    return {
        "status": {
            "pairs": pairs.height,
            "compared": int(pairs["status_mismatch"].is_not_null().sum()),
            "mismatched": mismatched.height,
            "live_on_tiktok_shop_only": int(
                (mismatched["tiktok_status"] == TIKTOK_LIVE).sum()
            ),
            "live_on_shopee_only": int(
                (mismatched["shopee_status"] == SHOPEE_LIVE).sum()
            ),
            "without_tiktok_shop_status": int(pairs["tiktok_status"].is_null().sum()),
            "without_shopee_status": int(pairs["shopee_status"].is_null().sum()),
        },
        "price_gap_excluded": excluded.head(EXCLUDED_IDS).select(PRICE_ROW).to_dicts(),
    }


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_counts(value: Any) -> bool:
    return isinstance(value, dict) and all(_is_count(v) for v in value.values())


def _is_gap_row(row: Any) -> bool:
    if not isinstance(row, dict) or not set(row) <= set(_GAP_COLUMNS):
        return False
    return all(
        value is None
        or (_is_number(value) if _GAP_COLUMNS[key] is float else isinstance(value, str))
        for key, value in row.items()
    )


class _Summary:
    """Figures of ``summary.json`` by dotted path, remembering which were used."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        self.used: set[tuple[str, ...]] = set()

    def get(self, path: str, check: Callable[[Any], bool]) -> Any:
        """The figure at ``path`` if ``check`` accepts it, else ``None``."""
        keys = tuple(path.split("."))
        value: Any = self.summary
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        if not check(value):
            return None
        self.used.add(keys)
        return value

    def count(self, path: str) -> int | None:
        return self.get(path, _is_count)

    def text(self, path: str) -> str | None:
        return self.get(path, lambda value: isinstance(value, str))

    def stats(self, path: str) -> dict[str, Any] | None:
        """A ``comparison._stats`` block; ``None`` without its count."""
        count = self.count(f"{path}.count")
        if count is None:
            return None
        return {"count": count} | {
            name: self.get(f"{path}.{name}", _is_number) for name in _STATS[1:]
        }

    def unused(self) -> dict[str, Any]:
        """The summary without the figures used: what "Other figures" lists."""

        def prune(value: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
            kept = {}
            for key, item in value.items():
                at = (*path, str(key))
                if at in self.used:
                    continue
                if isinstance(item, dict) and item:
                    item = prune(item, at)
                    if not item:
                        continue
                kept[key] = item
            return kept

        return prune(self.summary, ())


# --- laying out --------------------------------------------------------------


def _share(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


def _plain(name: str) -> str:
    """``largest_gaps_idr`` as "Largest gaps idr": a heading for an unknown name."""
    words = name.replace("_", " ").replace(".", ", ").strip()
    return words[:1].upper() + words[1:]


def _sentence(text: str | None) -> str | None:
    """``text`` with a capital first letter and a full stop."""
    if not text or not text.strip():
        return None
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _coverage(figures: _Summary) -> dict[str, Any] | None:
    coverage = figures.get("coverage", _is_counts)
    if coverage is None:
        return None
    total = sum(coverage.values())
    known = dict(_COVERAGE)
    # Keys with no product are left out of summary.json: they are zeros.
    rows = [
        {"label": label, "products": coverage.get(key, 0)} for key, label in _COVERAGE
    ] + [
        {"label": _plain(key), "products": n}
        for key, n in coverage.items()
        if key not in known
    ]
    for row in rows:
        row["share"] = _share(row["products"], total)
    methods = figures.get("method", _is_counts) or {}
    paired = sum(methods.values())
    method_labels = dict(_METHODS)
    order = list(method_labels)
    tiktok = figures.count("counts.tiktok_products")
    shopee = figures.count("counts.shopee_items")
    pairs = figures.count("counts.pairs")
    return {
        "rows": rows,
        "total": total,
        "tiktok_products": tiktok,
        "shopee_items": shopee,
        "pairs": pairs,
        "tiktok_share": _share(pairs, tiktok),
        "shopee_share": _share(pairs, shopee),
        "ambiguous": figures.count("counts.ambiguous_shopee_items"),
        "methods": [
            {
                "label": method_labels.get(key, f"by {_plain(key).lower()}"),
                "pairs": n,
                "share": _share(n, paired),
            }
            for key, n in sorted(
                methods.items(),
                key=lambda item: order.index(item[0]) if item[0] in order else 99,
            )
        ],
    }


def _price(figures: _Summary, pairs: dict[str, Any] | None) -> dict[str, Any] | None:
    price = {
        "idr": figures.stats("price_gap_idr"),
        "pct": figures.stats("price_gap_pct"),
        "cheaper": figures.count("shopee_cheaper"),
        "dearer": figures.count("shopee_dearer"),
        "equal": figures.count("price_equal"),
    }
    excluded_pairs = figures.count("price_gap_excluded.pairs")
    price["excluded"] = None
    if excluded_pairs is not None:
        ids = figures.get(
            "price_gap_excluded.tiktok_product_ids",
            lambda value: (
                isinstance(value, list) and all(isinstance(item, str) for item in value)
            ),
        )
        if pairs is not None:
            rows = pairs["price_gap_excluded"]
        else:
            rows = [{"tiktok_product_id": product_id} for product_id in ids or []]
        price["excluded"] = {
            "pairs": excluded_pairs,
            "quality_failed": figures.get(
                "price_gap_excluded.quality_failed",
                lambda value: value is None or _is_count(value),
            ),
            "reason": _sentence(figures.text("price_gap_excluded.reason")),
            "rows": rows,
            "detailed": pairs is not None,
            "more": max(excluded_pairs - len(rows), 0),
        }
    price["largest"] = [
        {"title": title, "rows": [dict.fromkeys(_GAP_COLUMNS) | row for row in rows]}
        for key, title in (
            ("largest_gaps_idr", "in IDR"),
            ("largest_gaps_pct", "in %"),
        )
        if (
            rows := figures.get(
                key,
                lambda value: isinstance(value, list) and all(map(_is_gap_row, value)),
            )
        )
    ]
    if all(value is None or value == [] for value in price.values()):
        return None
    return price


def _stock(figures: _Summary) -> dict[str, Any] | None:
    stats = figures.stats("stock_gap")
    equal = figures.count("stock_equal")
    if stats is None and equal is None:
        return None
    return {"stats": stats, "equal": equal}


def _status(
    figures: _Summary, pairs: dict[str, Any] | None, tokopedia_mismatches: int | None
) -> dict[str, Any] | None:
    mismatches = figures.count("status_mismatches")
    if mismatches is None:
        return None
    return {
        "mismatches": mismatches,
        "pairs": figures.count("counts.pairs"),
        "split": None if pairs is None else pairs["status"],
        "tiktok_live": TIKTOK_LIVE,
        "shopee_live": SHOPEE_LIVE,
        "tokopedia_mismatches": tokopedia_mismatches,
    }


def _presence(figures: _Summary) -> dict[str, Any] | None:
    cells = figures.get(
        "tokopedia_vs_shopee",
        lambda value: _is_counts(value) and set(value) <= set(_PRESENCE.values()),
    )
    if cells is None:
        return None

    def cell(tokopedia: str, shopee: str) -> int:
        # A combination with no product is left out of summary.json.
        return cells.get(_PRESENCE[tokopedia, shopee], 0)

    rows = [
        {
            "label": label,
            "on_shopee": cell(flag, "yes"),
            "off_shopee": cell(flag, "no"),
        }
        for flag, label in (("yes", "On Tokopedia"), ("no", "Not on Tokopedia"))
    ]
    for row in rows:
        row["total"] = row["on_shopee"] + row["off_shopee"]
    total = {
        "label": "Total",
        "on_shopee": sum(row["on_shopee"] for row in rows),
        "off_shopee": sum(row["off_shopee"] for row in rows),
        "total": sum(row["total"] for row in rows),
    }
    return {"rows": rows, "total": total}


def _source(figures: _Summary) -> dict[str, Any] | None:
    source = figures.text("inputs.shopee_source")
    kind = figures.text("inputs.shopee_kind")
    # The run folder the comparison read is this run's: not worth a line.
    run_folder = figures.text("inputs.run_folder")
    if source is None and kind is None:
        return None
    if source is not None and run_folder:
        path, base = Path(source), Path(run_folder)
        if path.is_relative_to(base):
            source = path.relative_to(base).as_posix()
    return {"path": source, "kind": _KINDS.get(kind or "", kind)}


def _charts(files: list[str], folder: Path) -> dict[str, Any]:
    found = {
        Path(file).stem: {
            "file": file,
            "path": folder / file,
            "title": CHART_CAPTIONS.get(Path(file).stem, _plain(Path(file).stem)),
        }
        for file in files
    }
    return {
        "by_name": {name: found.get(name) for name in CHART_NAMES},
        "other": [chart for name, chart in found.items() if name not in CHART_NAMES],
    }


def _rows_table(title: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    values = [[row.get(column) for column in columns] for row in rows]
    return {"title": title, "columns": columns, "rows": values}


def _other_tables(summary: Any) -> list[dict[str, Any]]:
    """Figures of no known shape as tables: a list of rows, or dotted names."""
    if isinstance(summary, list) and all(isinstance(row, dict) for row in summary):
        return [_rows_table("Summary", summary)] if summary else []
    if not isinstance(summary, dict):
        return []
    figures: list[list[Any]] = []
    tables: list[dict[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(row, dict) for row in value)
        ):
            tables.append(_rows_table(f"Other figures: {prefix}", value))
        else:
            figures.append([prefix, value])

    walk("", summary)
    head = [{"title": "Other figures", "columns": ["Figure", "Value"], "rows": figures}]
    return (head if figures else []) + tables


def section(
    comparison: dict[str, Any],
    folder: Path,
    *,
    tokopedia_mismatches: int | None = None,
    currency: str = "IDR",
) -> dict[str, Any]:
    """What the report's Shopee section shows, from ``metrics.json``'s block.

    Each part is ``None`` when ``summary.json`` lacks its figures; ``other`` holds
    the figures of the summary no part took, as tables.
    """
    summary = comparison.get("summary")
    pairs = comparison.get("pairs")
    view: dict[str, Any] = {
        "currency": currency,
        "charts": _charts(comparison.get("charts") or [], folder),
        "summary_missing": summary is None,
        "summary_kind": None,
        "source": None,
        "coverage": None,
        "price": None,
        "stock": None,
        "status": None,
        "presence": None,
        "other": [],
    }
    if not isinstance(summary, dict):
        view["other"] = _other_tables(summary)
        if summary is not None and not view["other"]:
            view["summary_kind"] = type(summary).__name__
        return view
    figures = _Summary(summary)
    view |= {
        "source": _source(figures),
        "coverage": _coverage(figures),
        "price": _price(figures, pairs),
        "stock": _stock(figures),
        "status": _status(figures, pairs, tokopedia_mismatches),
        "presence": _presence(figures),
    }
    rest = figures.unused()
    view["other"] = _other_tables(rest) if rest else []
    return view
