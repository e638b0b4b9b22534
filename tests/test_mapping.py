"""Mapping raw Partner API bodies to the products and SKUs tables."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import REFERENCE
from polars.testing import assert_frame_equal

from tiktok_import import mapping
from tiktok_import.errors import ConfigError

DATA = Path(__file__).parent / "data" / "tiktok"
SAMPLES = REFERENCE / "tiktok" / "samples"
SHOP_ID = "7494000000000000001"


def body(case: str) -> dict:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


def map_cases(*cases: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw = mapping.parse_product_bodies([body(case) for case in cases])
    return mapping.map_tables(raw, shop_id=SHOP_ID, run_id="test-run")


def only_row(frame: pl.DataFrame) -> dict:
    assert frame.height == 1
    return frame.row(0, named=True)


def test_sample_get_product_maps_in_usd() -> None:
    sample = json.loads((SAMPLES / "get_product_202309.json").read_text())
    products, skus = mapping.map_tables(
        mapping.parse_product_bodies([sample]), shop_id=SHOP_ID, run_id="r1"
    )
    product = only_row(products)
    assert product["product_id"] == "1729592969712207008"
    assert product["currency"] == "USD"
    assert product["min_price"] == product["max_price"] == Decimal("117.50")
    assert product["status"] == "SELLER_DEACTIVATED"
    assert product["tokopedia_status"] == "PLATFORM_DEACTIVATED"
    assert product["listing"] == "both"
    assert product["category_path"] == "Botol & Stoples Penyimpanan"
    assert product["category_is_leaf"] is True
    assert product["weight_kg"] == pytest.approx(1.32)
    assert product["description_text"] == (
        "Please compare above detailed size with your measurement before "
        "purchase. M-Size XL-Size"
    )
    sku = only_row(skus)
    assert sku["variant"] == "Color: Red"
    assert sku["list_price"] == Decimal("1.00")
    assert sku["identifier_type"] == "GTIN"


def test_sample_search_page_maps_in_usd_with_detail_fields_null() -> None:
    sample = json.loads((SAMPLES / "search_products_202502.json").read_text())
    products, skus = mapping.map_tables(
        mapping.parse_search_pages([sample]), shop_id=SHOP_ID, run_id="r1"
    )
    product = only_row(products)
    assert product["source"] == "search"
    assert product["min_price"] == Decimal("121.11")
    assert product["currency"] == "USD"
    for detail_only in ("description_html", "category_id", "brand", "weight_kg"):
        assert product[detail_only] is None
    assert only_row(skus)["stock"] == 999


def test_tables_have_the_documented_schema() -> None:
    products, skus = map_cases("product_listed_on_both")
    assert products.schema == pl.Schema(mapping.PRODUCTS_SCHEMA)
    assert skus.schema == pl.Schema(mapping.SKUS_SCHEMA)


def test_product_listed_on_both() -> None:
    products, skus = map_cases("product_listed_on_both")
    product = only_row(products)
    assert product["platform"] == "tiktok"
    assert product["shop_id"] == SHOP_ID
    assert product["listing"] == "both"
    assert (product["status"], product["tokopedia_status"]) == ("ACTIVATE", "ACTIVATE")
    assert product["category_id"] == "601226"
    assert product["category_path"] == "Pakaian Pria > Atasan > Kaos"
    assert product["sku_count"] == 2
    assert (product["min_price"], product["max_price"]) == (
        Decimal("125000.00"),
        Decimal("130000.00"),
    )
    assert product["total_stock"] == 20
    assert product["image_count"] == 2
    assert product["main_image_url"] == product["image_urls"][0]
    assert product["weight_kg"] == pytest.approx(0.25)
    assert (product["length_cm"], product["width_cm"], product["height_cm"]) == (
        30.0,
        20.0,
        3.0,
    )
    assert product["description_text"] == "Kaos & celana Bahan: katun Ukuran M"
    assert product["create_time"].isoformat() == "2023-11-14T22:13:20+00:00"
    assert product["run_id"] == "test-run"
    assert skus.get_column("variant").to_list() == [
        "Warna: Merah, Ukuran: M",
        "Warna: Merah, Ukuran: L",
    ]


def test_product_tokopedia_only_without_status() -> None:
    product = only_row(map_cases("product_tokopedia_only_without_status")[0])
    assert product["status"] is None
    assert product["tokopedia_status"] == "ACTIVATE"
    assert product["listing"] == "tokopedia_only"


def test_product_tiktok_only_without_integrated_platform_statuses() -> None:
    product = only_row(
        map_cases("product_tiktok_only_without_integrated_platform_statuses")[0]
    )
    assert product["status"] == "SELLER_DEACTIVATED"
    assert product["tokopedia_status"] is None
    assert product["listing"] == "tiktok_only"


def test_product_listed_nowhere_has_null_listing() -> None:
    product = only_row(map_cases("product_listed_nowhere_without_any_status")[0])
    assert product["listing"] is None


def test_product_missing_price_is_null_not_zero() -> None:
    products, skus = map_cases("product_missing_price")
    assert skus.get_column("price").to_list() == [None, Decimal("99000.00")]
    assert skus.get_column("currency").to_list() == ["IDR", "IDR"]
    product = only_row(products)
    assert product["min_price"] == product["max_price"] == Decimal("99000.00")


@pytest.mark.parametrize(
    ("case", "weight_kg", "length_cm", "height_cm"),
    [
        ("product_listed_on_both", 0.25, 30.0, 3.0),
        ("product_weight_kilogram", 1.5, 30.0, 3.0),
        ("product_weight_pound_dimensions_inch", 0.90718474, 25.4, 3.81),
    ],
    ids=["gram-centimeter", "kilogram", "pound-inch"],
)
def test_package_units_are_normalized(
    case: str, weight_kg: float, length_cm: float, height_cm: float
) -> None:
    product = only_row(map_cases(case)[0])
    assert product["weight_kg"] == pytest.approx(weight_kg)
    assert product["length_cm"] == pytest.approx(length_cm)
    assert product["height_cm"] == pytest.approx(height_cm)


def test_unknown_unit_is_null_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    data = body("product_listed_on_both")
    data["data"]["package_weight"] = {"value": "3", "unit": "STONE"}
    raw = mapping.parse_product_bodies([data])
    products = mapping.map_products(raw, shop_id=SHOP_ID, run_id="r")
    assert products.item(0, "weight_kg") is None
    assert "unknown package_weight unit(s) STONE" in caplog.text


def test_category_chain_leaf_first_is_ordered_by_parents() -> None:
    product = only_row(map_cases("product_category_chain_leaf_first")[0])
    assert product["category_id"] == "601226"
    assert product["category_path"] == "Pakaian Pria > Atasan > Kaos"
    assert product["category_is_leaf"] is True


def test_product_missing_category_is_null() -> None:
    product = only_row(map_cases("product_missing_category")[0])
    assert product["category_id"] is None
    assert product["category_path"] is None


def test_stock_is_summed_over_warehouses_keeping_the_lowest() -> None:
    products, skus = map_cases("product_negative_stock_in_second_warehouse")
    sku = only_row(skus)
    assert (sku["stock"], sku["warehouse_count"], sku["min_warehouse_stock"]) == (
        9,
        2,
        -3,
    )
    assert products.item(0, "total_stock") == 9


def test_product_without_variants_usd() -> None:
    products, skus = map_cases("product_without_variants_usd")
    sku = only_row(skus)
    assert sku["variant"] is None
    assert sku["price"] == Decimal("19.99")
    assert products.item(0, "currency") == "USD"


def test_search_pages_keep_the_latest_copy_of_a_repeated_product() -> None:
    pages = DATA / "search_pages_product_repeated_with_newer_update_time.jsonl"
    raw = mapping.parse_search_pages(pages.read_bytes())
    assert raw.height == 3
    products, skus = mapping.map_tables(raw, shop_id=SHOP_ID, run_id="r")
    assert products.get_column("product_id").to_list() == [
        "1729000000000000201",
        "1729000000000000202",
    ]
    assert products.item(0, "title") == "New title"
    assert skus.filter(pl.col("product_id") == "1729000000000000201").height == 2


def test_no_bodies_give_empty_typed_tables() -> None:
    products, skus = mapping.map_tables(
        mapping.parse_product_bodies(b""), shop_id=SHOP_ID, run_id="r"
    )
    assert products.height == skus.height == 0
    assert products.schema == pl.Schema(mapping.PRODUCTS_SCHEMA)


def test_a_body_of_the_wrong_shape_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="Get Product bodies do not have"):
        mapping.parse_product_bodies(b'{"code": 0, "data": {"skus": "none"}}')


# --- map_run on a run folder ---------------------------------------------------


def write_run(
    folder: Path,
    cases: list[str],
    *,
    fetch_details: bool = True,
    status: str = "complete",
) -> Path:
    raw = folder / "raw"
    raw.mkdir(parents=True)
    bodies = [body(case) for case in cases]
    pages = [{"code": 0, "data": {"products": [b["data"] for b in bodies]}}]
    for name, lines in (("products", bodies), ("search_pages", pages)):
        text = "".join(json.dumps(line) + "\n" for line in lines)
        (raw / f"{name}.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    manifest = {
        "run_id": folder.name,
        "status": status,
        "shop": {"id": SHOP_ID, "region": "ID"},
        "parameters": {"fetch_details": fetch_details},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.mark.parametrize("fetch_details", [True, False], ids=["details", "search"])
def test_map_run_twice_gives_the_same_tables(
    tmp_path: Path, fetch_details: bool
) -> None:
    run = write_run(
        tmp_path / "20261203T180000Z",
        ["product_listed_on_both", "product_missing_price"],
        fetch_details=fetch_details,
    )
    first = [table.collect() for table in mapping.map_run(run)]
    second = [table.collect() for table in mapping.map_run(run)]
    for a, b in zip(first, second, strict=True):
        assert_frame_equal(a, b)
    products, skus = mapping.read_tables(run)
    assert_frame_equal(products, first[0])
    assert_frame_equal(skus, first[1])
    assert products.get_column("run_id").unique().to_list() == ["20261203T180000Z"]
    assert products.get_column("source").unique().to_list() == [
        "get_product" if fetch_details else "search"
    ]


def test_map_run_refuses_an_unfinished_run(tmp_path: Path) -> None:
    run = write_run(tmp_path / "r", ["product_listed_on_both"], status="running")
    with pytest.raises(ConfigError, match="is running, not complete"):
        mapping.map_run(run)


def test_map_run_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        mapping.map_run(tmp_path / "nowhere")


def test_map_run_names_a_missing_raw_file(tmp_path: Path) -> None:
    run = write_run(tmp_path / "r", ["product_listed_on_both"])
    (run / "raw" / "products.jsonl.gz").unlink()
    with pytest.raises(ConfigError, match="products.jsonl.gz is missing"):
        mapping.map_run(run)


def test_map_run_names_a_corrupt_raw_file(tmp_path: Path) -> None:
    run = write_run(tmp_path / "r", ["product_listed_on_both"])
    (run / "raw" / "products.jsonl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ConfigError, match="products.jsonl.gz is corrupt"):
        mapping.map_run(run)


def test_map_run_in_small_blocks_and_slices_equals_mapping_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = sorted(path.stem for path in DATA.glob("product_*.json"))
    bodies = []
    for n in range(40):  # ids out of order, every case several times
        copy = body(cases[n % len(cases)])
        copy["data"]["id"] = f"17290000000{n * 919 % 1000:08d}"
        bodies.append(copy)
    newer, older = json.loads(json.dumps(bodies[3])), json.loads(json.dumps(bodies[5]))
    newer["data"].update(update_time=newer["data"]["update_time"] + 60, title="Newer")
    older["data"].update(update_time=older["data"]["update_time"] - 60, title="Older")
    run = write_run(tmp_path / "r", [])
    text = "".join(json.dumps(line) + "\n" for line in [*bodies, newer, older])
    (run / "raw" / "products.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    monkeypatch.setattr(mapping, "_BLOCK_BYTES", 2_000)  # a few bodies per block
    monkeypatch.setattr(mapping, "_SLICE_ROWS", 3)

    products, skus = (table.collect() for table in mapping.map_run(run))

    expected = mapping.map_tables(
        mapping.parse_product_bodies([*bodies, newer, older]),
        shop_id=SHOP_ID,
        run_id="r",
    )
    assert_frame_equal(products, expected[0])
    assert_frame_equal(skus, expected[1])
    titles = products.get_column("title").to_list()
    assert products.height == 40 and "Newer" in titles and "Older" not in titles
    assert not list((run / "tables").glob(".mapping-*")), "scratch left behind"
