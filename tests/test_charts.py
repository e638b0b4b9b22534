"""The Tokopedia breakdown: computed numbers, the figures drawn from them, edges."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image
from test_report_fixtures import (
    ALL_TOKOPEDIA_ONLY_ROWS,
    LONG_CATEGORY,
    MIXED_FAILURES,
    MIXED_ROWS,
    NO_TOKOPEDIA_ROWS,
    NON_IDR_ROWS,
    PRODUCTS_SCHEMA,
    make_run,
    product,
)

from tiktok_import import charts
from tiktok_import.errors import ConfigError


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=PRODUCTS_SCHEMA)


@pytest.fixture
def mixed() -> pl.DataFrame:
    return frame(MIXED_ROWS)


def texts(fig: Figure) -> list[str]:
    """Every piece of text drawn on the figure's axes (titles, labels, values)."""
    found = []
    for ax in fig.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        found += [t.get_text() for t in ax.texts + ax.get_yticklabels()]
    return found


def bar_widths(fig: Figure) -> list[float]:
    return [patch.get_width() for patch in fig.axes[0].patches]


# --- tables ----------------------------------------------------------------------


def test_listing_split_counts_and_shares(mixed: pl.DataFrame) -> None:
    expected = Counter(row["listing"] for row in MIXED_ROWS)
    split = charts.listing_split(mixed)
    assert split["listing"].to_list() == ["both", "tiktok_only", "tokopedia_only"]
    assert dict(split.select("listing", "products").iter_rows()) == expected
    assert split["share"].to_list() == pytest.approx([5 / 12, 4 / 12, 3 / 12])


def test_listing_split_of_an_empty_table_has_zero_products_and_no_share() -> None:
    split = charts.listing_split(frame([]))
    assert split["products"].to_list() == [0, 0, 0]
    assert split["share"].null_count() == 3


def test_status_distribution_counts_each_platform_in_api_order(
    mixed: pl.DataFrame,
) -> None:
    table = charts.status_distribution(mixed)
    assert table["status"].to_list() == [
        "DRAFT",
        "ACTIVATE",
        "SELLER_DEACTIVATED",
        "PLATFORM_DEACTIVATED",
    ]
    tiktok = Counter(r["status"] for r in MIXED_ROWS if r["status"])
    tokopedia = Counter(
        r["tokopedia_status"] for r in MIXED_ROWS if r["tokopedia_status"]
    )
    for status, on_tiktok, on_tokopedia in table.iter_rows():
        assert (on_tiktok, on_tokopedia) == (tiktok[status], tokopedia[status])


def test_status_distribution_keeps_an_unknown_status_after_the_known_ones() -> None:
    rows = [
        product("u1", "both", "ACTIVATE", "UNDER_REVIEW", "A > B", 1_000, 1),
        product("u2", "both", "ACTIVATE", "ACTIVATE", "A > B", 1_000, 1),
    ]
    table = charts.status_distribution(frame(rows))
    assert table.rows() == [("ACTIVATE", 2, 1), ("UNDER_REVIEW", 0, 1)]


def test_integration_rate_by_category(mixed: pl.DataFrame) -> None:
    table = charts.integration_rate(mixed, "category")
    # Largest category first; ties by name; a missing category has its own group.
    assert table.rows() == [
        ("Fashion Wanita", 4, 3, 0.75),
        ("Elektronik", 3, 1, pytest.approx(1 / 3)),
        ("Perawatan & Kecantikan", 2, 2, 1.0),
        (LONG_CATEGORY, 2, 2, 1.0),
        ("(no category)", 1, 0, 0.0),
    ]


def test_integration_rate_by_category_pools_the_smallest_categories() -> None:
    rows = [
        product(
            f"c{i:02d}",
            "both" if i % 3 == 0 else "tiktok_only",
            "ACTIVATE",
            "ACTIVATE" if i % 3 == 0 else None,
            f"Kategori {i:02d} > Leaf",
            10_000,
            5,
        )
        for i in range(15)
    ] + [product("c99", "tiktok_only", "ACTIVATE", None, "Kategori 00 > X", 10_000, 5)]
    table = charts.integration_rate(frame(rows), "category", top=12)
    assert table.height == 13
    assert table.row(0) == ("Kategori 00", 2, 1, 0.5)
    # Categories 12, 13 and 14 are pooled; only 12 is on Tokopedia.
    assert table.row(-1) == ("Other categories (3)", 3, 1, pytest.approx(1 / 3))
    assert table["products"].sum() == len(rows)


@pytest.mark.parametrize(
    ("price", "band"),
    [
        (49_999, "< 50rb"),
        (50_000, "50–100rb"),
        (99_999, "50–100rb"),
        (100_000, "100–250rb"),
        (250_000, "250–500rb"),
        (499_999, "250–500rb"),
        (500_000, "≥ 500rb"),
        (None, "(no price)"),
    ],
    ids=lambda value: str(value),
)
def test_rupiah_price_bands_at_their_edges(price: int | None, band: str) -> None:
    rows = [product("b1", "both", "ACTIVATE", "ACTIVATE", "A > B", price, 1)]
    bands, order = charts.price_band(frame(rows))
    assert bands.to_list() == [band]
    assert order == [*charts.IDR_BAND_LABELS, "(no price)"]


def test_integration_rate_by_rupiah_price_band(mixed: pl.DataFrame) -> None:
    table = charts.integration_rate(mixed, "price_band")
    assert table.rows() == [
        ("< 50rb", 3, 2, pytest.approx(2 / 3)),  # p01, p11, p12
        ("50–100rb", 3, 2, pytest.approx(2 / 3)),  # p02, p04, p10
        ("100–250rb", 1, 1, 1.0),  # p03
        ("250–500rb", 2, 1, 0.5),  # p05, p06
        ("≥ 500rb", 2, 2, 1.0),  # p07, p08
        ("(no price)", 1, 0, 0.0),  # p09
    ]


def test_other_currencies_are_banded_by_quartiles() -> None:
    table = charts.integration_rate(frame(NON_IDR_ROWS), "price_band")
    # Prices 5..640 doubling; quartile edges (nearest value) are 20, 80 and 160.
    assert table["group"].to_list() == [
        "< 20.00",
        "20.00–80.00",
        "80.00–160.00",
        "≥ 160.00",
    ]
    assert table["products"].to_list() == [2, 2, 1, 3]
    assert table["on_tokopedia"].to_list() == [1, 1, 0, 2]


def test_one_price_for_every_product_makes_one_band() -> None:
    rows = [
        product(f"s{i}", "both", "ACTIVATE", "ACTIVATE", "A > B", 12, 1, currency="USD")
        for i in range(3)
    ]
    table = charts.integration_rate(frame(rows), "price_band")
    assert table.rows() == [("all at 12.00", 3, 3, 1.0)]


@pytest.mark.parametrize(
    ("stock", "state"),
    [
        (-2, "Out of stock"),
        (0, "Out of stock"),
        (1, "Low stock (1–10)"),
        (10, "Low stock (1–10)"),
        (11, "In stock"),
        (None, "(stock unknown)"),
    ],
    ids=lambda value: str(value),
)
def test_stock_states_at_their_edges(stock: int | None, state: str) -> None:
    rows = [product("s1", "both", "ACTIVATE", "ACTIVATE", "A > B", 1_000, stock)]
    assert charts.stock_state(frame(rows)).to_list() == [state]


def test_integration_rate_by_stock_state(mixed: pl.DataFrame) -> None:
    table = charts.integration_rate(mixed, "stock_state")
    assert table.rows() == [
        ("Out of stock", 2, 2, 1.0),  # p01, p07
        ("Low stock (1–10)", 5, 2, 0.4),  # p02, p04, p09, p11, p12
        ("In stock", 4, 3, 0.75),  # p03, p05, p06, p10
        ("(stock unknown)", 1, 1, 1.0),  # p08
    ]


def test_integration_rate_refuses_an_unknown_dimension(mixed: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="by must be one of category, price_band"):
        charts.integration_rate(mixed, "brand")


def test_status_mismatches_lists_products_live_on_one_platform_first(
    mixed: pl.DataFrame,
) -> None:
    table = charts.status_mismatches(mixed)
    assert table.select(
        "product_id", "status", "tokopedia_status", "live_on"
    ).rows() == [
        ("p02", "ACTIVATE", "SELLER_DEACTIVATED", "TikTok Shop"),
        ("p03", "SELLER_DEACTIVATED", "ACTIVATE", "Tokopedia"),
        ("p08", "PLATFORM_DEACTIVATED", "SELLER_DEACTIVATED", "neither"),
    ]


def test_no_mismatch_without_products_on_both_platforms() -> None:
    assert charts.status_mismatches(frame(ALL_TOKOPEDIA_ONLY_ROWS)).is_empty()
    assert charts.status_mismatches(frame([])).is_empty()


# --- figures ---------------------------------------------------------------------


def test_listing_split_chart_draws_counts_in_listing_colours(
    mixed: pl.DataFrame,
) -> None:
    fig = charts.plot_listing_split(mixed)
    assert bar_widths(fig) == [5, 4, 3]
    drawn = texts(fig)
    assert "Where the products are listed (12 products)" in drawn
    assert {"Products", "Listing", "5 (41.7%)", "4 (33.3%)", "3 (25.0%)"} <= set(drawn)
    colours = [patch.get_facecolor() for patch in fig.axes[0].patches]
    expected = [charts.COLORS[name] for name in charts.LISTING_LABELS]
    assert colours == [pytest.approx(to_rgba(c)) for c in expected]


def test_status_chart_pairs_tokopedia_and_tiktok_bars(mixed: pl.DataFrame) -> None:
    fig = charts.plot_tokopedia_status(mixed)
    ax = fig.axes[0]
    tokopedia, tiktok = ax.containers
    assert [bar.get_width() for bar in tokopedia] == [0, 5, 2, 1]
    assert [bar.get_width() for bar in tiktok] == [1, 6, 1, 1]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Tokopedia",
        "TikTok Shop",
    ]
    assert tokopedia[0].get_facecolor() == pytest.approx(
        to_rgba(charts.COLORS["tokopedia"])
    )


def test_integration_chart_bars_are_the_rates(mixed: pl.DataFrame) -> None:
    fig = charts.plot_integration_rate(mixed, "category")
    assert bar_widths(fig) == pytest.approx([0.75, 1 / 3, 1.0, 1.0, 0.0])
    drawn = texts(fig)
    assert "Share of products on Tokopedia by top-level category" in drawn
    assert {"75% (3 of 4)", "33% (1 of 3)", "0% (0 of 1)"} <= set(drawn)
    assert "Top-level category" in drawn
    # A dashed reference line at the share across the whole catalog (8 of 12).
    assert fig.axes[0].lines[0].get_xdata()[0] == pytest.approx(8 / 12)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Share across all products: 67%"]


def test_price_band_chart_names_the_currency(mixed: pl.DataFrame) -> None:
    idr = charts.plot_integration_rate(mixed, "price_band")
    assert "Lowest SKU price (IDR; rb = thousand rupiah)" in texts(idr)
    other = charts.plot_integration_rate(frame(NON_IDR_ROWS), "price_band")
    assert "Lowest SKU price, quartiles (MYR)" in texts(other)


def test_long_category_names_are_wrapped_and_do_not_overlap(
    mixed: pl.DataFrame,
) -> None:
    fig = charts.plot_integration_rate(mixed, "category")
    FigureCanvasAgg(fig).draw()  # lays the text out as savefig would
    ax = fig.axes[0]
    labels = ax.get_yticklabels()
    assert any("\n" in label.get_text() for label in labels)
    boxes = [label.get_window_extent() for label in labels]
    for upper, lower in itertools.pairwise(boxes):
        assert not upper.overlaps(lower)
    figure_box = fig.bbox
    assert all(box.x0 >= figure_box.x0 and box.x1 <= figure_box.x1 for box in boxes)


@pytest.mark.parametrize(
    "plot",
    [
        charts.plot_listing_split,
        charts.plot_tokopedia_status,
        lambda products: charts.plot_integration_rate(products, "category"),
        lambda products: charts.plot_integration_rate(products, "price_band"),
        lambda products: charts.plot_integration_rate(products, "stock_state"),
    ],
    ids=["listing", "status", "category", "price_band", "stock_state"],
)
def test_an_empty_catalog_gives_a_message_not_a_chart(plot) -> None:
    fig = plot(frame([]))
    assert "No products in this run." in texts(fig)
    assert not fig.axes[0].patches


def test_a_catalog_without_tokopedia_says_so_on_the_status_chart() -> None:
    products = frame(NO_TOKOPEDIA_ROWS)
    message = " ".join(texts(charts.plot_tokopedia_status(products)))
    assert "None of the 2 products is listed on Tokopedia" in message
    assert bar_widths(charts.plot_integration_rate(products, "category")) == [0.0]


def test_an_all_tokopedia_catalog_is_fully_integrated() -> None:
    products = frame(ALL_TOKOPEDIA_ONLY_ROWS)
    assert bar_widths(charts.plot_listing_split(products)) == [0, 0, 3]
    for by in charts.INTEGRATION_DIMENSIONS:
        assert set(charts.integration_rate(products, by)["rate"]) == {1.0}
    tokopedia, tiktok = charts.plot_tokopedia_status(products).axes[0].containers
    assert [bar.get_width() for bar in tiktok] == [0, 0]
    assert [bar.get_width() for bar in tokopedia] == [2, 1]


# --- files -----------------------------------------------------------------------


def test_build_charts_writes_every_chart_as_png(tmp_path: Path) -> None:
    run = make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES)
    paths = charts.build_charts(run)
    assert list(paths) == list(charts.CHART_NAMES)
    for name, path in paths.items():
        assert path == run / "charts" / f"{name}.png"
        with Image.open(path) as image:
            assert image.format == "PNG"
            width, height = image.size
            assert width > 800 and height > 200
            # A real chart: many colours, not a blank canvas.
            assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 50


def test_build_charts_on_an_empty_catalog_still_writes_every_file(
    tmp_path: Path,
) -> None:
    run = make_run(tmp_path, [])
    assert all(path.is_file() for path in charts.build_charts(run).values())


def test_load_products_names_the_missing_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"has no tables/products.parquet: map"):
        charts.load_products(tmp_path)
