"""Run folders for the chart, report and notebook tests, each named after its case.

A case is a list of product rows, failure rows and expectation results written the way
mapping, validation and the importer write them (docs/CONTRACTS.md). The tests at the
bottom check that the fixtures keep the binding shapes, so that a test passing on a
fixture says something about a real run.

The other test modules import :func:`make_run` and the ``*_ROWS`` cases from here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

PRODUCTS_SCHEMA = {
    "platform": pl.Utf8,
    "shop_id": pl.Utf8,
    "product_id": pl.Utf8,
    "title": pl.Utf8,
    "description_html": pl.Utf8,
    "description_text": pl.Utf8,
    "status": pl.Utf8,
    "tokopedia_status": pl.Utf8,
    "listing": pl.Utf8,
    "category_id": pl.Utf8,
    "category_path": pl.Utf8,
    "category_is_leaf": pl.Boolean,
    "brand": pl.Utf8,
    "sku_count": pl.Int32,
    "min_price": pl.Decimal(18, 2),
    "max_price": pl.Decimal(18, 2),
    "currency": pl.Utf8,
    "total_stock": pl.Int64,
    "image_count": pl.Int32,
    "main_image_url": pl.Utf8,
    "weight_kg": pl.Float64,
    "length_cm": pl.Float64,
    "width_cm": pl.Float64,
    "height_cm": pl.Float64,
    "create_time": pl.Datetime("us", "UTC"),
    "update_time": pl.Datetime("us", "UTC"),
    "audit_status": pl.Utf8,
    "run_id": pl.Utf8,
    "quality_ok": pl.Boolean,
    "quality_issues": pl.List(pl.Utf8),
}
FAILURES_SCHEMA = {
    "product_id": pl.Utf8,
    "stage": pl.Utf8,
    "check": pl.Utf8,
    "defect": pl.Utf8,
    "reason": pl.Utf8,
}
SKUS_SCHEMA = {"product_id": pl.Utf8, "sku_id": pl.Utf8, "seller_sku": pl.Utf8}

SHOP_ID = "7495000000000000001"
RUN_ID = "20261203T180000Z"
# A failed product's title the report must escape, in HTML and in a Markdown table.
MARKUP_TITLE = "<script>alert('x')</script> Blus | Katun & Linen"
LONG_CATEGORY = "Perlengkapan Rumah Tangga dan Dekorasi Ruangan Minimalis Modern"


def product(
    product_id: str,
    listing: str,
    status: str | None,
    tokopedia_status: str | None,
    category_path: str | None,
    min_price: int | None,
    total_stock: int | None,
    issues: tuple[str, ...] = (),
    *,
    title: str | None = None,
    currency: str = "IDR",
) -> dict:
    """One products.parquet row; the columns a case does not vary get plain values."""
    when = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    price = None if min_price is None else Decimal(min_price).quantize(Decimal("0.01"))
    return {
        "platform": "tiktok",
        "shop_id": SHOP_ID,
        "product_id": product_id,
        "title": f"Produk {product_id}" if title is None else title,
        "description_html": "<p>Bahan katun, nyaman dipakai.</p>",
        "description_text": "Bahan katun, nyaman dipakai.",
        "status": status,
        "tokopedia_status": tokopedia_status,
        "listing": listing,
        "category_id": None if category_path is None else "600001",
        "category_path": category_path,
        "category_is_leaf": category_path is not None,
        "brand": "Nusantara",
        "sku_count": 2,
        "min_price": price,
        "max_price": None if price is None else price * 2,
        "currency": currency,
        "total_stock": total_stock,
        "image_count": 3,
        "main_image_url": "https://p16-oec-va.ibyteimg.com/tos-maliva-i/abc.jpg",
        "weight_kg": 0.4,
        "length_cm": 20.0,
        "width_cm": 15.0,
        "height_cm": 5.0,
        "create_time": when,
        "update_time": when,
        "audit_status": "APPROVED",
        "run_id": RUN_ID,
        "quality_ok": not issues,
        "quality_issues": list(issues),
    }


FASHION = "Fashion Wanita"
BEAUTY = "Perawatan & Kecantikan"
ELECTRONICS = "Elektronik"

# A mixed Indonesian catalog: every listing, status mismatches of each kind, price
# edges on the rupiah bands, every stock state, defects, and a long category name.
# fmt: off
MIXED_ROWS = [
    product("p01", "both", "ACTIVATE", "ACTIVATE", f"{FASHION} > Atasan > Kemeja",
            49_999, 0),
    product("p02", "both", "ACTIVATE", "SELLER_DEACTIVATED",
            f"{FASHION} > Dress > Midi", 50_000, 5),
    product("p03", "both", "SELLER_DEACTIVATED", "ACTIVATE",
            f"{BEAUTY} > Wajah > Serum", 120_000, 25),
    product("p04", "tiktok_only", "ACTIVATE", None, f"{FASHION} > Atasan > Blus",
            99_999, 10, ("zero_price",), title=MARKUP_TITLE),
    product("p05", "tiktok_only", "DRAFT", None, f"{ELECTRONICS} > Audio > Headphone",
            250_000, 100),
    product("p06", "tokopedia_only", None, "ACTIVATE",
            f"{ELECTRONICS} > Audio > Speaker", 499_999, 11),
    product("p07", "tokopedia_only", None, "PLATFORM_DEACTIVATED",
            f"{BEAUTY} > Tubuh > Sabun", 500_000, -2, ("negative_stock",)),
    product("p08", "both", "PLATFORM_DEACTIVATED", "SELLER_DEACTIVATED",
            f"{LONG_CATEGORY} > Dekorasi > Vas", 1_250_000, None),
    product("p09", "tiktok_only", "ACTIVATE", None, None, None, 3,
            ("missing_category", "missing_price")),
    product("p10", "both", "ACTIVATE", "ACTIVATE", f"{LONG_CATEGORY} > Dapur > Panci",
            75_000, 40),
    product("p11", "tokopedia_only", None, "ACTIVATE", f"{FASHION} > Atasan > Kaos",
            30_000, 1, ("empty_title",), title=""),
    product("p12", "tiktok_only", "ACTIVATE", None, f"{ELECTRONICS} > Audio > Kabel",
            15_000, 7),
]
NOT_FOUND = "Get Product answered 12019150: product does not exist"
MIXED_FAILURES = [
    ("p98", "fetch", "product_not_found", None, NOT_FOUND),
    ("p99", "fetch", "product_not_found", None, NOT_FOUND),
    ("p04", "validation", "sku_price_positive", "zero_price",
     "SKU 1729000000000000041 has sale_price 0"),
    ("p07", "validation", "sku_stock_not_negative", "negative_stock",
     "SKU 1729000000000000071 has quantity -2"),
    ("p09", "validation", "category_present", "missing_category",
     "category_chains is empty"),
    ("p09", "validation", "sku_price_present", "missing_price",
     "SKU 1729000000000000091 has no sale_price"),
    ("p11", "validation", "title_not_empty", "empty_title", "title is empty"),
]
# fmt: on


def expectation(
    column: str, name: str, unexpected: int, total: int, description: str
) -> dict:
    """One validation/summary.json entry."""
    return {
        "suite": "products",
        "expectation": name,
        "column": column,
        "success": unexpected == 0,
        "element_count": total,
        "unexpected_count": unexpected,
        "unexpected_percent": 100.0 * unexpected / total if total else 0.0,
        "description": description,
    }


def summary_for(rows: list[dict]) -> list[dict]:
    """The expectation results validation would write for ``rows``."""
    n = len(rows)

    def count(issue: str) -> int:
        return sum(issue in row["quality_issues"] for row in rows)

    return [
        expectation(
            "product_id",
            "expect_column_values_to_be_unique",
            0,
            n,
            "Product ids are unique",
        ),
        expectation(
            "title",
            "expect_column_value_lengths_to_be_between",
            count("empty_title"),
            n,
            "Titles are not empty",
        ),
        expectation(
            "min_price",
            "expect_column_values_to_be_between",
            count("zero_price") + count("missing_price"),
            n,
            "Every SKU has a price above zero",
        ),
        expectation(
            "total_stock",
            "expect_column_values_to_be_between",
            count("negative_stock"),
            n,
            "Stock is never negative",
        ),
        expectation(
            "category_path",
            "expect_column_values_to_not_be_null",
            count("missing_category"),
            n,
            "Every product has a category",
        ),
    ]


def manifest_for(
    run_id: str, found: int, fetched: int, failed: int, *, status: str = "complete"
) -> dict:
    """A manifest.json as the importer writes it, with secret-looking parameters."""
    return {
        "run_id": run_id,
        "status": status,
        "package_version": "0.1.0",
        "source": "emulator",
        "base_url": "http://127.0.0.1:41234",
        "started_at": "2026-12-03T18:00:00Z",
        "finished_at": "2026-12-03T18:00:04Z",
        "duration_seconds": 4.0,
        "parameters": {
            "source": "emulator",
            "shop": "",
            "catalog_size": found,
            "seed": 7,
            "page_size": 100,
            "fetch_details": True,
            "requests_per_second": 50.0,
            "workers": 4,
            "run_id": run_id,
            "output_dir": "outputs",
            # Never in a real manifest; here to prove the report drops them.
            "app_secret": "fixture-app-secret-0001",
            "auth": {"access_token": "fixture-access-0002", "region": "ID"},
            "sign": "fixture-sign-0003",
        },
        "shop": {
            "id": SHOP_ID,
            "name": "Toko Nusantara Jaya",
            "region": "ID",
            "code": "IDLCXXXXXX",
            "seller_type": "LOCAL",
        },
        "counts": {"found": found, "fetched": fetched, "failed": failed},
        "requests": {
            "total": fetched + failed + 5,
            "by_endpoint": {
                "token": 1,
                "shops": 1,
                "search": 3,
                "product": fetched + failed,
            },
        },
        "retries": {"http_429": 3, "throttle_code": 1, "http_5xx": 0},
        "token_refreshes": 1,
        "throttle_wait_seconds": 1.5,
        "windows": [
            {
                "update_time_ge": 0,
                "update_time_le": None,
                "total_count": found,
                "pages": 1,
            }
        ],
        "peak_rss_mb": 150.25,
        "error": None,
    }


def make_run(
    root: Path,
    rows: list[dict],
    failures: list[tuple] = (),
    *,
    run_id: str = RUN_ID,
    status: str = "complete",
    summary: list[dict] | None = None,
) -> Path:
    """Write a run folder under ``root`` holding ``rows`` and ``failures``."""
    folder = root / run_id
    (folder / "tables").mkdir(parents=True)
    (folder / "validation").mkdir()
    fetch_failed = len({f[0] for f in failures if f[1] == "fetch"})
    manifest = manifest_for(
        run_id, len(rows) + fetch_failed, len(rows), fetch_failed, status=status
    )
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    pl.DataFrame(rows, schema=PRODUCTS_SCHEMA).write_parquet(
        folder / "tables" / "products.parquet"
    )
    skus = [
        {
            "product_id": r["product_id"],
            "sku_id": f"{r['product_id']}-{i}",
            "seller_sku": f"SKU-{r['product_id']}-{i}",
        }
        for r in rows
        for i in range(r["sku_count"])
    ]
    pl.DataFrame(skus, schema=SKUS_SCHEMA).write_parquet(
        folder / "tables" / "skus.parquet"
    )
    pl.DataFrame(
        [dict(zip(FAILURES_SCHEMA, f, strict=True)) for f in failures],
        schema=FAILURES_SCHEMA,
    ).write_parquet(folder / "tables" / "failures.parquet")
    summary = summary_for(rows) if summary is None else summary
    (folder / "validation" / "summary.json").write_text(json.dumps(summary, indent=2))
    return folder


# Degenerate and one-sided cases.
ALL_TOKOPEDIA_ONLY_ROWS = [
    product(f"t{i:02d}", "tokopedia_only", None, status, path, price, stock)
    for i, (status, path, price, stock) in enumerate(
        [
            ("ACTIVATE", "Fashion Pria > Kemeja", 80_000, 4),
            ("ACTIVATE", "Fashion Pria > Celana", 180_000, 0),
            ("SELLER_DEACTIVATED", "Olahraga > Sepeda", 2_500_000, 30),
        ]
    )
]
NO_TOKOPEDIA_ROWS = [
    product("k01", "tiktok_only", "ACTIVATE", None, "Buku > Novel", 60_000, 12),
    product("k02", "tiktok_only", "DRAFT", None, "Buku > Komik", 35_000, 0),
]
NON_IDR_ROWS = [
    product(
        f"m{i:02d}",
        "both" if i % 2 else "tiktok_only",
        "ACTIVATE",
        "ACTIVATE" if i % 2 else None,
        "Home > Kitchen",
        price,
        5,
        currency="MYR",
    )
    for i, price in enumerate([5, 10, 20, 40, 80, 160, 320, 640])
]
NO_FAILURES_ROWS = [row for row in MIXED_ROWS if not row["quality_issues"]]


@pytest.fixture
def mixed_run(tmp_path: Path) -> Path:
    return make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES)


# --- the fixtures keep the binding shapes ------------------------------------------


def test_mixed_run_has_contract_layout(mixed_run: Path) -> None:
    for part in (
        "manifest.json",
        "tables/products.parquet",
        "tables/skus.parquet",
        "tables/failures.parquet",
        "validation/summary.json",
    ):
        assert (mixed_run / part).is_file(), part
    manifest = json.loads((mixed_run / "manifest.json").read_text())
    assert manifest["counts"] == {"found": 14, "fetched": 12, "failed": 2}


def test_products_fixture_has_binding_columns_and_types(mixed_run: Path) -> None:
    products = pl.read_parquet(mixed_run / "tables" / "products.parquet")
    assert products.schema == pl.Schema(PRODUCTS_SCHEMA)
    assert set(products["listing"]) == {"both", "tiktok_only", "tokopedia_only"}
    # Absent statuses follow the API: no TikTok status off TikTok Shop, and so on.
    for listing, status, tokopedia_status in products.select(
        "listing", "status", "tokopedia_status"
    ).iter_rows():
        assert (status is None) == (listing == "tokopedia_only")
        assert (tokopedia_status is None) == (listing == "tiktok_only")


def test_failures_and_summary_fixtures_have_binding_shapes(mixed_run: Path) -> None:
    failures = pl.read_parquet(mixed_run / "tables" / "failures.parquet")
    assert failures.schema == pl.Schema(FAILURES_SCHEMA)
    assert set(failures["stage"]) == {"fetch", "validation"}
    summary = json.loads((mixed_run / "validation" / "summary.json").read_text())
    keys = {
        "suite",
        "expectation",
        "column",
        "success",
        "element_count",
        "unexpected_count",
        "unexpected_percent",
        "description",
    }
    assert all(set(entry) == keys for entry in summary)
