"""The Tokopedia breakdown of a run: tables computed with polars, matplotlib charts.

Every table function takes the products table (``tables/products.parquet``) and returns
a small DataFrame; every ``plot_*`` function takes the same table and returns a
:class:`~matplotlib.figure.Figure`. Figures are built without ``pyplot`` (no global
state, no GUI backend), so this module is safe headless and in long batch runs.
:func:`build_charts` writes every chart of a run folder to ``<run>/charts/*.png``.

An empty table, or a catalog with nothing on Tokopedia, gives a figure that says so
instead of an empty or broken chart.
"""

from __future__ import annotations

import functools
import itertools
import logging
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from tiktok_import.errors import ConfigError
from tiktok_import.settings import PRODUCT_STATUSES

logger = logging.getLogger(__name__)

__all__ = [
    "CHART_NAMES",
    "COLORS",
    "IDR_BAND_LABELS",
    "INTEGRATION_DIMENSIONS",
    "LISTING_LABELS",
    "NO_CATEGORY",
    "ON_TOKOPEDIA",
    "build_charts",
    "integration_rate",
    "listing_split",
    "load_products",
    "make_charts",
    "plot_integration_rate",
    "plot_listing_split",
    "plot_tokopedia_status",
    "price_band",
    "save_chart",
    "status_distribution",
    "status_mismatches",
    "stock_state",
    "top_level_category",
]

PRODUCTS_TABLE = Path("tables") / "products.parquet"
CHARTS_DIR = "charts"

LISTING_LABELS = {
    "both": "Both platforms",
    "tiktok_only": "TikTok Shop only",
    "tokopedia_only": "Tokopedia only",
}
ON_TOKOPEDIA = ("both", "tokopedia_only")
LIVE_STATUS = "ACTIVATE"

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. The
# same colour always means the same thing: TikTok Shop, Tokopedia, or both.
COLORS = {
    "both": "#0072B2",
    "tiktok_only": "#D55E00",
    "tokopedia_only": "#009E73",
    "tiktok_shop": "#D55E00",
    "tokopedia": "#009E73",
    "neutral": "#999999",
}

NO_CATEGORY = "(no category)"
NO_PRICE = "(no price)"
UNKNOWN_STOCK = "(stock unknown)"
OTHER_CATEGORIES = "Other categories"
TOP_CATEGORIES = 12

# Lowest SKU price bands in rupiah; "rb" (ribu) is the thousand, as sellers write it.
IDR_BAND_EDGES = (50_000, 100_000, 250_000, 500_000)
IDR_BAND_LABELS = ("< 50rb", "50–100rb", "100–250rb", "250–500rb", "≥ 500rb")
LOW_STOCK_MAX = 10
STOCK_STATES = ("Out of stock", f"Low stock (1–{LOW_STOCK_MAX})", "In stock")

INTEGRATION_DIMENSIONS = {
    "category": "top-level category",
    "price_band": "price band",
    "stock_state": "stock state",
}
CHART_NAMES = (
    "listing_split",
    "tokopedia_status",
    "integration_by_category",
    "integration_by_price_band",
    "integration_by_stock_state",
)

_STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_WRAP = 32
_DPI = 110


# --- loading ---------------------------------------------------------------------


def load_products(run_folder: str | Path) -> pl.DataFrame:
    """Read ``<run>/tables/products.parquet``.

    Raises:
        ConfigError: the run folder has no products table yet.
    """
    path = Path(run_folder) / PRODUCTS_TABLE
    if not path.is_file():
        raise ConfigError(
            f"{Path(run_folder)} has no {PRODUCTS_TABLE.as_posix()}: "
            "map and validate it first (notebooks/02_validate.ipynb), or pass "
            "another run folder"
        )
    logger.info("reading %s", path)
    return pl.read_parquet(path)


# --- tables ----------------------------------------------------------------------


def _on_tokopedia() -> pl.Expr:
    return pl.col("listing").is_in(ON_TOKOPEDIA).fill_null(False)


def listing_split(products: pl.DataFrame) -> pl.DataFrame:
    """Products per listing (both / TikTok Shop only / Tokopedia only) and their share.

    Returns one row per listing, in that order, zeros included: ``listing``, ``label``,
    ``products``, ``share`` (null when the table is empty).
    """
    total = products.height
    counts = dict(products.group_by("listing").len().iter_rows())
    rows = [
        {
            "listing": listing,
            "label": label,
            "products": counts.get(listing, 0),
            "share": counts.get(listing, 0) / total if total else None,
        }
        for listing, label in LISTING_LABELS.items()
    ]
    return pl.DataFrame(
        rows,
        schema={
            "listing": pl.Utf8,
            "label": pl.Utf8,
            "products": pl.Int64,
            "share": pl.Float64,
        },
    )


def _status_order(statuses: Sequence[str]) -> list[str]:
    known = [s for s in PRODUCT_STATUSES if s in statuses]
    return known + sorted(set(statuses) - set(PRODUCT_STATUSES))


def status_distribution(products: pl.DataFrame) -> pl.DataFrame:
    """Products per status on each platform.

    Returns ``status``, ``tiktok_shop``, ``tokopedia`` (counts), in the API's status
    order; a product not listed on a platform is not counted for it.
    """
    tiktok = dict(products.drop_nulls("status").group_by("status").len().iter_rows())
    tokopedia = dict(
        products.drop_nulls("tokopedia_status")
        .group_by("tokopedia_status")
        .len()
        .iter_rows()
    )
    order = _status_order(list(tiktok) + list(tokopedia))
    return pl.DataFrame(
        {
            "status": order,
            "tiktok_shop": [tiktok.get(s, 0) for s in order],
            "tokopedia": [tokopedia.get(s, 0) for s in order],
        },
        schema={"status": pl.Utf8, "tiktok_shop": pl.Int64, "tokopedia": pl.Int64},
    )


def top_level_category(products: pl.DataFrame) -> pl.Series:
    """The first segment of ``category_path``; ``(no category)`` when it is missing."""
    top = (
        pl.col("category_path")
        .str.split(">")
        .list.first()
        .str.strip_chars()
        .replace("", None)
        .fill_null(NO_CATEGORY)
    )
    return products.select(top.alias("category")).to_series()


def _price_edges(prices: pl.Series) -> tuple[list[float], list[str]]:
    """Quartile edges of the known prices and a label per band, for any currency."""
    known = prices.drop_nulls()
    if known.is_empty():
        return [], []
    edges = sorted({known.quantile(q) for q in (0.25, 0.5, 0.75)} - {known.min()})
    if not edges:
        return [], [f"all at {known.min():,.2f}"]
    labels = [f"< {edges[0]:,.2f}"]
    labels += [f"{lo:,.2f}–{hi:,.2f}" for lo, hi in itertools.pairwise(edges)]
    labels.append(f"≥ {edges[-1]:,.2f}")
    return edges, labels


def _is_idr(products: pl.DataFrame) -> bool:
    currencies = set(products["currency"].drop_nulls().unique().to_list())
    return currencies == {"IDR"}


def price_band(products: pl.DataFrame) -> tuple[pl.Series, list[str]]:
    """Band of each product's lowest SKU price, and the bands in display order.

    Rupiah catalogs use fixed bands (< 50rb ... ≥ 500rb); any other or mixed currency
    uses the quartiles of the catalog's own prices. A product without a price is in
    ``(no price)``, listed last.
    """
    price = products["min_price"].cast(pl.Float64)
    if _is_idr(products):
        edges, labels = list(IDR_BAND_EDGES), list(IDR_BAND_LABELS)
    else:
        edges, labels = _price_edges(price)
    band = pl.when(pl.col("price").is_null()).then(pl.lit(NO_PRICE))
    for edge, label in zip(edges, labels, strict=False):
        band = band.when(pl.col("price") < edge).then(pl.lit(label))
    band = band.otherwise(pl.lit(labels[-1] if labels else NO_PRICE))
    frame = pl.DataFrame({"price": price}, schema={"price": pl.Float64})
    series = frame.select(band.alias("price_band")).to_series()
    return series, [*labels, NO_PRICE]


def stock_state(products: pl.DataFrame) -> pl.Series:
    """Out of stock (0 or below), low (1..LOW_STOCK_MAX), in stock, or unknown."""
    stock = pl.col("total_stock")
    state = (
        pl.when(stock.is_null())
        .then(pl.lit(UNKNOWN_STOCK))
        .when(stock <= 0)
        .then(pl.lit(STOCK_STATES[0]))
        .when(stock <= LOW_STOCK_MAX)
        .then(pl.lit(STOCK_STATES[1]))
        .otherwise(pl.lit(STOCK_STATES[2]))
    )
    return products.select(state.alias("stock_state")).to_series()


def _check_dimension(by: str) -> None:
    if by not in INTEGRATION_DIMENSIONS:
        choices = ", ".join(INTEGRATION_DIMENSIONS)
        raise ValueError(f"by must be one of {choices}; got {by!r}")


def _groups(products: pl.DataFrame, by: str) -> tuple[pl.Series, list[str] | None]:
    """Each product's group and the groups' display order (None: by size)."""
    _check_dimension(by)
    if by == "category":
        return top_level_category(products), None
    if by == "price_band":
        return price_band(products)
    return stock_state(products), [*STOCK_STATES, UNKNOWN_STOCK]


def integration_rate(
    products: pl.DataFrame, by: str, *, top: int = TOP_CATEGORIES
) -> pl.DataFrame:
    """Share of products listed on Tokopedia, per category, price band or stock state.

    Args:
        products: the products table.
        by: ``"category"`` (top-level), ``"price_band"`` or ``"stock_state"``.
        top: categories beyond the ``top`` largest are pooled as "Other categories".

    Returns:
        ``group``, ``products``, ``on_tokopedia``, ``rate`` (0..1), in display order:
        bands and states in their natural order, categories largest first. Empty
        groups are left out.
    """
    groups, order = _groups(products, by)
    frame = products.select(_on_tokopedia().alias("on_tokopedia")).with_columns(
        groups.alias("group")
    )
    table = frame.group_by("group").agg(
        pl.len().cast(pl.Int64).alias("products"),
        pl.col("on_tokopedia").sum().cast(pl.Int64),
    )
    if order is None:
        table = table.sort(["products", "group"], descending=[True, False])
        if table.height > top:
            rest = table.slice(top)
            other = pl.DataFrame(
                {
                    "group": [f"{OTHER_CATEGORIES} ({rest.height})"],
                    "products": [rest["products"].sum()],
                    "on_tokopedia": [rest["on_tokopedia"].sum()],
                },
                schema=table.schema,
            )
            table = pl.concat([table.head(top), other])
    else:
        rank = {label: i for i, label in enumerate(order)}
        table = table.sort(pl.col("group").replace_strict(rank, default=len(rank)))
    return table.with_columns(
        (pl.col("on_tokopedia") / pl.col("products")).alias("rate")
    )


def status_mismatches(products: pl.DataFrame) -> pl.DataFrame:
    """Products listed on both platforms whose status differs between them.

    Returns ``product_id``, ``title``, ``status`` (TikTok Shop), ``tokopedia_status``
    and ``live_on``: "TikTok Shop" or "Tokopedia" when the product is live (ACTIVATE)
    on one platform only, "neither" when both statuses differ but neither is live.
    Rows live on one platform come first.
    """
    status, tokopedia = pl.col("status"), pl.col("tokopedia_status")
    live_on = (
        pl.when(status == LIVE_STATUS)
        .then(pl.lit("TikTok Shop"))
        .when(tokopedia == LIVE_STATUS)
        .then(pl.lit("Tokopedia"))
        .otherwise(pl.lit("neither"))
    )
    return (
        products.filter(
            status.is_not_null() & tokopedia.is_not_null() & (status != tokopedia)
        )
        .select(
            "product_id",
            "title",
            "status",
            "tokopedia_status",
            live_on.alias("live_on"),
        )
        .sort(pl.col("live_on") == "neither", "live_on", "product_id")
    )


# --- figures ---------------------------------------------------------------------


def _styled(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw under the module's style (fonts, sizes), whatever the user's rcParams."""

    @functools.wraps(plot)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(_STYLE):
            return plot(*args, **kwargs)

    return wrapper


def _figure(rows: int) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(8.5, 1.6 + 0.42 * max(rows, 1)), layout="constrained")
    return fig, fig.add_subplot()


def _message(title: str, message: str) -> Figure:
    fig = Figure(figsize=(8.5, 2.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(0.5, 0.5, textwrap.fill(message, 70), ha="center", va="center", fontsize=11)
    ax.set_axis_off()
    return fig


def _wrap(label: str) -> str:
    return textwrap.fill(label, _WRAP) or label


def _hbars(
    ax: Axes,
    labels: Sequence[str],
    values: Sequence[float],
    colors: Sequence[str] | str,
    texts: Sequence[str],
) -> None:
    """Horizontal bars read top to bottom, with ``texts`` written past each bar."""
    positions = list(range(len(labels)))
    bars = ax.barh(positions, values, color=colors, height=0.62)
    ax.set_yticks(positions, labels=[_wrap(label) for label in labels])
    ax.invert_yaxis()
    ax.bar_label(bars, labels=list(texts), padding=4, fontsize=9)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)


@_styled
def plot_listing_split(products: pl.DataFrame) -> Figure:
    """Bars of products listed on both platforms, TikTok Shop only, Tokopedia only."""
    title = "Where the products are listed"
    if products.is_empty():
        return _message(title, "No products in this run.")
    split = listing_split(products)
    texts = [
        f"{n:,} ({share:.1%})"
        for n, share in split.select("products", "share").iter_rows()
    ]
    fig, ax = _figure(split.height)
    colors = [COLORS[listing] for listing in split["listing"]]
    _hbars(ax, split["label"].to_list(), split["products"].to_list(), colors, texts)
    ax.set_xlim(0, split["products"].max() * 1.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{title} ({products.height:,} products)")
    ax.set_xlabel("Products")
    ax.set_ylabel("Listing")
    return fig


@_styled
def plot_tokopedia_status(products: pl.DataFrame) -> Figure:
    """Products per Tokopedia status, beside the TikTok Shop status distribution."""
    title = "Product status on Tokopedia and on TikTok Shop"
    if products.is_empty():
        return _message(title, "No products in this run.")
    if products["tokopedia_status"].drop_nulls().is_empty():
        return _message(
            title,
            f"None of the {products.height:,} products is listed on Tokopedia: "
            "there is no Tokopedia status to show.",
        )
    table = status_distribution(products)
    fig, ax = _figure(2 * table.height)
    positions = list(range(table.height))
    for column, label, offset in (
        ("tokopedia", "Tokopedia", -0.2),
        ("tiktok_shop", "TikTok Shop", 0.2),
    ):
        values = table[column].to_list()
        bars = ax.barh(
            [p + offset for p in positions],
            values,
            height=0.38,
            color=COLORS[column],
            label=label,
        )
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, fontsize=9)
    ax.set_yticks(positions, labels=table["status"].to_list())
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_xlim(0, max(table["tokopedia"].max(), table["tiktok_shop"].max()) * 1.2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.set_xlabel("Products")
    ax.set_ylabel("Status")
    fig.legend(loc="outside lower right", ncols=2, frameon=False)
    return fig


@_styled
def plot_integration_rate(products: pl.DataFrame, by: str) -> Figure:
    """Bars of the share of products on Tokopedia per category, price band or stock.

    ``by`` is ``"category"``, ``"price_band"`` or ``"stock_state"``.
    """
    _check_dimension(by)
    title = f"Share of products on Tokopedia by {INTEGRATION_DIMENSIONS[by]}"
    if products.is_empty():
        return _message(title, "No products in this run.")
    table = integration_rate(products, by)
    texts = [
        f"{rate:.0%} ({on:,} of {n:,})"
        for rate, on, n in table.select("rate", "on_tokopedia", "products").iter_rows()
    ]
    fig, ax = _figure(table.height)
    labels = table["group"].to_list()
    _hbars(ax, labels, table["rate"].to_list(), COLORS["tokopedia"], texts)
    overall = table["on_tokopedia"].sum() / table["products"].sum()
    ax.axvline(overall, color=COLORS["neutral"], linestyle="--", linewidth=1.2)
    fig.legend(
        [ax.lines[-1]],
        [f"Share across all products: {overall:.0%}"],
        loc="outside lower right",
        frameon=False,
    )
    ax.set_xlim(0, 1.3)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(title)
    ax.set_xlabel("Products listed on Tokopedia (on both platforms or Tokopedia only)")
    ax.set_ylabel(_axis_label(products, by))
    return fig


def _axis_label(products: pl.DataFrame, by: str) -> str:
    if by == "price_band":
        if _is_idr(products):
            return "Lowest SKU price (IDR; rb = thousand rupiah)"
        currencies = ", ".join(sorted(products["currency"].drop_nulls().unique()))
        return f"Lowest SKU price, quartiles ({currencies or 'no currency'})"
    if by == "stock_state":
        return "Total stock across SKUs"
    return "Top-level category"


def save_chart(fig: Figure, run_folder: str | Path, name: str) -> Path:
    """Write ``fig`` as ``<run>/charts/<name>.png`` and return the path."""
    path = Path(run_folder) / CHARTS_DIR / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=_DPI, facecolor="white")
    logger.info("wrote %s", path)
    return path


def make_charts(products: pl.DataFrame) -> dict[str, Figure]:
    """Every chart of the breakdown, by name (:data:`CHART_NAMES`)."""
    return {
        "listing_split": plot_listing_split(products),
        "tokopedia_status": plot_tokopedia_status(products),
        "integration_by_category": plot_integration_rate(products, "category"),
        "integration_by_price_band": plot_integration_rate(products, "price_band"),
        "integration_by_stock_state": plot_integration_rate(products, "stock_state"),
    }


def build_charts(run_folder: str | Path) -> dict[str, Path]:
    """Draw every chart of a run folder into ``<run>/charts/``.

    Returns:
        The PNG path of each chart, by name, in :data:`CHART_NAMES` order.

    Raises:
        ConfigError: the run folder has no products table.
    """
    products = load_products(run_folder)
    return {
        name: save_chart(fig, run_folder, name)
        for name, fig in make_charts(products).items()
    }
