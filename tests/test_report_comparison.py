"""The report's Shopee section against the comparison's own files.

A small emulator run is imported and compared with its Shopee twin once; every
figure the section shows is checked against ``comparison/summary.json`` and
``comparison/comparison.parquet``. Summaries of other shapes are written by hand.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from test_report_fixtures import MIXED_FAILURES, MIXED_ROWS, make_run

from tiktok_import import report
from tiktok_import.comparison import CHART_NAMES, compare_run
from tiktok_import.errors import ConfigError
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.report_comparison import CHART_CAPTIONS


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 80-product emulator run compared with its Shopee twin; report written.

    Seed 7 at this size leaves two pairs out of the price gaps (a zero and a
    missing price) and has pairs live on one platform only.
    """
    config = ImportConfig(
        catalog_size=80,
        seed=7,
        output_dir=str(tmp_path_factory.mktemp("compared")),
        run_id="cmp",
        emulator_options={"rps": None},
    )
    folder = run_import(config, progress=False).run_folder
    compare_run(folder, "", "api")
    report.write_report(folder)
    return folder


def summary_of(folder: Path) -> dict:
    return json.loads((folder / "comparison" / "summary.json").read_text())


def shopee_markdown(folder: Path) -> str:
    markdown = (folder / "report.md").read_text()
    return markdown.split("## Shopee comparison", 1)[1].split("## Run facts", 1)[0]


def shopee_html(folder: Path) -> str:
    html = (folder / "report.html").read_text()
    section = html.split('<section id="comparison">', 1)[1]
    return section.split('<section id="facts">', 1)[0]


def words(html: str) -> str:
    """HTML with its whitespace folded, for sentences broken across lines."""
    return " ".join(html.split())


def rupiah(value: float | None, *, signed: bool = False) -> str:
    """The report's IDR format, written out: ``Rp 635,000``, ``-Rp 5,300``."""
    if value is None:
        return "—"
    amount = round(value)
    sign = "-" if amount < 0 else "+" if signed and amount > 0 else ""
    return f"{sign}Rp {abs(amount):,}"


def percent(value: float) -> str:
    return f"{value:+.1f}%" if round(value, 1) else "0.0%"


def units(value: float) -> str:
    if value == int(value):
        return f"{int(value):+,}" if value else "0"
    return f"{value:+.1f}" if round(value, 1) else "0.0"


# --- the formats -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (635000.0, "IDR", "Rp 635,000"),
        (Decimal("49999.00"), "IDR", "Rp 49,999"),
        (0.0, "IDR", "Rp 0"),
        (-254400.0, "IDR", "-Rp 254,400"),
        (None, "IDR", "—"),
        (12.5, "MYR", "MYR 12.50"),
    ],
    ids=["price", "decimal", "zero", "negative", "none", "other-currency"],
)
def test_money_is_whole_rupiah_with_thousands_separators(
    value: object, currency: str, expected: str
) -> None:
    assert report._fmt_money(value, currency) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(88800.0, "+Rp 88,800"), (-254400.0, "-Rp 254,400"), (0.4, "Rp 0")],
    ids=["dearer", "cheaper", "rounds-to-zero"],
)
def test_a_price_gap_carries_its_sign(value: float, expected: str) -> None:
    assert report._fmt_gap(value) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (12.22, "%", "+12.2%"),
        (-40.06, "%", "-40.1%"),
        (-0.04, "%", "0.0%"),
        (22.0, "", "+22"),
        (-223.0, "", "-223"),
        (0.0, "", "0"),
        (None, "", "—"),
    ],
)
def test_signed_figures(value: float | None, unit: str, expected: str) -> None:
    assert report._fmt_signed(value, unit) == expected


# --- a real comparison ---------------------------------------------------------


def test_coverage_is_the_summary_s(compared: Path) -> None:
    summary, markdown = summary_of(compared), shopee_markdown(compared)
    html = words(shopee_html(compared))
    coverage, counts = summary["coverage"], summary["counts"]
    total = sum(coverage.values())
    for key, label in (
        ("both", "On both platforms (paired)"),
        ("tiktok_only", "TikTok Shop only"),
        ("shopee_only", "Shopee only"),
    ):
        n = coverage.get(key, 0)
        assert f"| {label} | {n:,} | {n / total:.1%} |" in markdown
        assert f'<td>{label}</td><td class="n">{n:,}</td>' in html
    assert f"| All products, either catalog | {total:,} | 100.0% |" in markdown
    pairs, tiktok, shopee = (
        counts["pairs"],
        counts["tiktok_products"],
        counts["shopee_items"],
    )
    sentence = (
        f"pairs: {pairs / tiktok:.1%} of the {tiktok} TikTok Shop products "
        f"and {pairs / shopee:.1%} of the {shopee} Shopee items"
    )
    assert f"**{pairs}** {sentence}" in markdown
    assert f"<strong>{pairs}</strong> {sentence}" in html
    sku, title = summary["method"]["sku"], summary["method"]["title"]
    matched = (
        f"How the pairs were matched: {sku} by seller SKU ({sku / pairs:.1%}), "
        f"{title} by fuzzy title ({title / pairs:.1%})."
    )
    assert matched in markdown and matched in html
    assert counts["ambiguous_shopee_items"] == 0
    assert "No Shopee item was ambiguous." in markdown


def test_an_ambiguous_count_is_reported(compared: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(compared, tmp_path / "run"))
    summary = summary_of(folder)
    summary["counts"]["ambiguous_shopee_items"] = 3
    (folder / "comparison" / "summary.json").write_text(json.dumps(summary))
    report.write_report(folder)
    assert "- **3** Shopee items were ambiguous" in shopee_markdown(folder)
    assert "comparison/ambiguous.parquet</code>, not paired" in words(
        shopee_html(folder)
    )


def test_price_gaps_are_in_rupiah_and_percent(compared: Path) -> None:
    summary, markdown = summary_of(compared), shopee_markdown(compared)
    idr, pct = summary["price_gap_idr"], summary["price_gap_pct"]
    names = ("median", "p10", "p90", "min", "max", "mean")
    in_idr = " | ".join(rupiah(idr[name], signed=True) for name in names)
    assert f"| In IDR | {idr['count']} | {in_idr} |" in markdown
    in_pct = " | ".join(percent(pct[name]) for name in names)
    assert f"| In % | {pct['count']} | {in_pct} |" in markdown
    assert (
        f"**{idr['count']}** pairs compared: Shopee is cheaper for "
        f"**{summary['shopee_cheaper']}**, dearer for **{summary['shopee_dearer']}** "
        f"and the same price for **{summary['price_equal']}**." in markdown
    )
    # No float as Python prints it (635000.0), no list as Python prints it.
    assert not re.search(r"\d{4,}\.\d", markdown)
    assert "['" not in markdown


def test_largest_gaps_list_every_pair_with_rupiah_prices(compared: Path) -> None:
    summary, markdown = summary_of(compared), shopee_markdown(compared)
    html = shopee_html(compared)
    for key, heading in (
        ("largest_gaps_idr", "in IDR"),
        ("largest_gaps_pct", "in %"),
    ):
        rows = summary[key]
        assert f"#### The {len(rows)} largest price gaps {heading} (" in markdown
        for row in rows:
            cells = [
                row["tiktok_product_id"],
                row["shopee_item_id"],
                row["tiktok_title"] or "(empty)",
                rupiah(row["tiktok_price"]),
                rupiah(row["shopee_price"]),
                rupiah(row["price_gap"], signed=True),
                percent(row["price_gap_pct"]),
            ]
            assert f"| {' | '.join(cells)} |" in markdown
            # Ids never wrap mid-number: cells of their own that do not break.
            assert f'<td class="id">{row["tiktok_product_id"]}</td>' in html
            assert f'<td class="id">{row["shopee_item_id"]}</td>' in html
    assert "td.id, .id { white-space: nowrap;" in (compared / "report.html").read_text()


def test_pairs_left_out_of_price_gaps_are_counted_and_listed(compared: Path) -> None:
    excluded = summary_of(compared)["price_gap_excluded"]
    assert excluded["pairs"] == 2 and excluded["quality_failed"] is None
    markdown = shopee_markdown(compared)
    # Not validated: nothing is said about quality checks.
    assert "Left out of the price gaps: **2** pairs. A price missing or zero" in (
        markdown
    )
    table = pl.read_parquet(compared / "comparison" / "comparison.parquet")
    left_out = table.filter(pl.col("price_valid").not_())
    assert left_out["tiktok_product_id"].to_list() == excluded["tiktok_product_ids"]
    for row in left_out.iter_rows(named=True):
        cells = [
            row["tiktok_product_id"],
            row["shopee_item_id"],
            row["tiktok_title"],
            rupiah(row["tiktok_price"]),
            rupiah(row["shopee_price"]),
        ]
        assert f"| {' | '.join(cells)} |" in markdown


def test_stock_gaps_are_the_summary_s(compared: Path) -> None:
    summary, markdown = summary_of(compared), shopee_markdown(compared)
    stock = summary["stock_gap"]
    names = ("median", "p10", "p90", "min", "max", "mean")
    cells = " | ".join(units(stock[name]) for name in names)
    assert f"| Units | {stock['count']} | {cells} |" in markdown
    assert f"**{summary['stock_equal']}** pairs have the same stock" in markdown


def test_status_mismatches_say_what_is_compared(compared: Path) -> None:
    summary, markdown = summary_of(compared), shopee_markdown(compared)
    metrics = json.loads((compared / "metrics.json").read_text())
    pairs = pl.read_parquet(compared / "comparison" / "comparison.parquet").filter(
        pl.col("coverage") == "both"
    )
    mismatched = pairs.filter(pl.col("status_mismatch"))
    on_tiktok = mismatched.filter(pl.col("tiktok_status") == "ACTIVATE").height
    on_shopee = mismatched.filter(pl.col("shopee_status") == "NORMAL").height
    unstated = pairs.filter(pl.col("tiktok_status").is_null()).height
    assert on_tiktok + on_shopee == summary["status_mismatches"] > 0
    assert metrics["comparison"]["pairs"]["status"] == {
        "pairs": pairs.height,
        "compared": pairs["status_mismatch"].is_not_null().sum(),
        "mismatched": summary["status_mismatches"],
        "live_on_tiktok_shop_only": on_tiktok,
        "live_on_shopee_only": on_shopee,
        "without_tiktok_shop_status": unstated,
        "without_shopee_status": 0,
    }
    assert (
        f"**{summary['status_mismatches']}** of the {pairs.height} pairs are live on "
        "one platform and not on the other: the TikTok Shop product status (live is "
        "`ACTIVATE`) against the Shopee item status (live is `NORMAL`); "
        f"{on_tiktok} are live on TikTok Shop only, {on_shopee} on Shopee only."
    ) in markdown
    assert f"{unstated} pairs are not compared: they have no TikTok Shop status" in (
        markdown
    )
    tokopedia = metrics["tokopedia"]["mismatches"]["total"]
    assert f"This is not the Tokopedia figure above ({tokopedia} products" in markdown


def test_tokopedia_against_shopee_is_a_two_by_two_table(compared: Path) -> None:
    summary, markdown = summary_of(compared), shopee_markdown(compared)
    cells = summary["tokopedia_vs_shopee"]

    def n(tokopedia: str, shopee: str) -> int:
        return cells.get(f"tokopedia_{tokopedia}__shopee_{shopee}", 0)

    for label, flag in (("On Tokopedia", "yes"), ("Not on Tokopedia", "no")):
        row = [n(flag, "yes"), n(flag, "no"), n(flag, "yes") + n(flag, "no")]
        assert f"| {label} | {' | '.join(map(str, row))} |" in markdown
    total = summary["counts"]["tiktok_products"]
    assert sum(cells.values()) == total
    assert f"| Total | {summary['coverage']['both']} | " in markdown
    assert f"The {total} TikTok Shop products by whether" in markdown


def test_charts_have_captions_and_inputs_one_line(compared: Path) -> None:
    markdown, html = shopee_markdown(compared), shopee_html(compared)
    for name in CHART_NAMES:
        caption = CHART_CAPTIONS[name]
        assert f"![{caption}](comparison/{name}.png)" in markdown
        assert f"<figcaption>{caption} (<code>comparison/{name}.png</code>)" in html
    assert (
        "Shopee catalog compared: `comparison/shopee_api`, saved Shopee Open "
        "Platform API responses." in markdown
    )
    # Nothing of the generic dump is left.
    for raw in (
        "counts.",
        "tokopedia_yes__",
        "largest_gaps",
        "status_mismatches",
        "run_folder",
        "Other figures",
        str(compared),
    ):
        assert raw not in markdown and raw not in html, raw


def test_the_summary_says_how_much_is_on_shopee(compared: Path) -> None:
    summary = summary_of(compared)
    counts, idr = summary["counts"], summary["price_gap_idr"]
    pairs, tiktok = counts["pairs"], counts["tiktok_products"]
    bullet = (
        f"**{pairs}** of the {tiktok} imported products are also on Shopee "
        f"({pairs / tiktok:.1%}); of the {idr['count']} pairs with comparable "
        f"prices, Shopee is cheaper for {summary['shopee_cheaper']} and dearer for "
        f"{summary['shopee_dearer']}."
    )
    markdown = (compared / "report.md").read_text()
    assert f"- {bullet}" in markdown.split("## Import")[0]


def test_without_comparison_parquet_the_left_out_pairs_are_listed_by_id(
    compared: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(compared, tmp_path / "run"))
    (folder / "comparison" / "comparison.parquet").unlink()
    metrics = json.loads(report.write_report(folder)["metrics"].read_text())
    assert metrics["comparison"]["pairs"] is None
    markdown = shopee_markdown(folder)
    ids = summary_of(folder)["price_gap_excluded"]["tiktok_product_ids"]
    assert "TikTok Shop products: " + ", ".join(f"`{i}`" for i in ids) in markdown
    assert "live on TikTok Shop only" not in markdown
    assert "live is `ACTIVATE`" in markdown


def test_a_comparison_parquet_of_an_older_layout_is_left_out(
    compared: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = Path(shutil.copytree(compared, tmp_path / "run"))
    path = folder / "comparison" / "comparison.parquet"
    pl.read_parquet(path).drop("price_valid").write_parquet(path)
    with caplog.at_level(logging.WARNING, logger="tiktok_import.report_comparison"):
        metrics = report.compute_metrics(folder)
    assert metrics["comparison"]["pairs"] is None
    assert "has no column price_valid" in caplog.text


def test_a_corrupt_comparison_parquet_is_a_config_error(
    compared: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(compared, tmp_path / "run"))
    (folder / "comparison" / "comparison.parquet").write_bytes(b"not parquet")
    with pytest.raises(ConfigError, match="re-run the comparison"):
        report.write_report(folder)


# --- summaries of other shapes -------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "expected", "absent"),
    [
        (
            [{"metric": "pairs", "value": 9}],
            ["### Summary", "| pairs | 9 |"],
            ["### Coverage"],
        ),
        ("oops", ["`comparison/summary.json` holds a str"], ["### Coverage"]),
        (
            {
                "coverage": "most of it",
                "tokopedia_vs_shopee": {"tokopedia_maybe": 3},
                "largest_gaps_idr": [{"sku": "A-1", "gap": 5}],
            },
            [
                "| coverage | most of it |",
                "| tokopedia_vs_shopee.tokopedia_maybe | 3 |",
                "### Other figures: largest_gaps_idr",
                "| A-1 | 5 |",
            ],
            ["### Coverage", "### Tokopedia presence", "#### The"],
        ),
        (
            {"coverage": {"both": 3, "shopee_only": 1}, "returns_rate": 0.25},
            [
                "| On both platforms (paired) | 3 | 75.0% |",
                "| TikTok Shop only | 0 | 0.0% |",
                "| returns_rate | 0.25 |",
            ],
            ["### Price gaps"],
        ),
        ({}, [], ["### Other figures", "### Coverage"]),
    ],
    ids=["list-of-rows", "a-string", "wrong-types", "unknown-figure", "empty"],
)
def test_a_summary_of_another_shape_still_reports(
    tmp_path: Path, summary: object, expected: list[str], absent: list[str]
) -> None:
    run = make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES)
    (run / "comparison").mkdir()
    (run / "comparison" / "summary.json").write_text(json.dumps(summary))
    written = report.write_report(run)
    markdown = shopee_markdown(run)
    for text in expected:
        assert text in markdown, text
    for text in absent:
        assert text not in markdown, text
    assert '<section id="comparison">' in written["html"].read_text()
