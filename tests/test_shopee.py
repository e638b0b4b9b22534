"""Reading Shopee catalogs: the published samples, saved folders and xlsx exports."""

import os
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tiktok_import.emulator.catalog import generate_catalog
from tiktok_import.emulator.shopee import (
    shopee_catalog,
    shopee_ground_truth,
    shopee_shop_id,
    write_mass_update_xlsx,
    write_shopee_catalog,
)
from tiktok_import.errors import ConfigError
from tiktok_import.shopee import (
    SHOPEE_PRODUCTS_SCHEMA,
    SHOPEE_SKUS_SCHEMA,
    read_api_folder,
    read_api_responses,
    read_mass_update_xlsx,
    read_shopee,
)

DATA = Path(__file__).parent / "data" / "shopee"


def _samples() -> Path:
    root = os.environ.get("TIKTOK_IMPORT_REFERENCE")
    base = Path(root) if root else Path(__file__).resolve().parents[2] / "shared"
    folder = (base if root else base / "reference") / "shopee" / "samples"
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"Shopee samples missing at {folder}")
        pytest.skip(f"Shopee samples missing at {folder}")
    return folder


def test_base_info_sample_is_read_despite_error_dash_and_string_booleans():
    catalog = read_api_responses([_samples() / "get_item_base_info.json"])
    product = catalog.products.row(0, named=True)
    assert product["product_id"] == "34002"
    assert product["title"] == "seller discount"
    assert product["status"] == "NORMAL"
    assert product["parent_sku"] is None  # item_sku "-"
    assert product["brand"] == "nike"
    assert product["min_price"] == Decimal("122.02")
    assert product["currency"] == "SGD"
    assert product["total_stock"] == 100
    assert product["image_count"] == 0  # image_url_list ["-"]
    assert product["weight_kg"] == pytest.approx(10.02)
    assert product["sku_count"] is None  # has models, model list not saved
    assert catalog.products.schema == SHOPEE_PRODUCTS_SCHEMA
    assert catalog.skus.schema == SHOPEE_SKUS_SCHEMA


def test_item_list_sample_is_read_and_the_short_list_is_flagged(caplog):
    catalog = read_api_responses([_samples() / "get_item_list.json"])
    assert catalog.products["product_id"].to_list() == ["2500139861"]
    assert catalog.products["status"].to_list() == ["NORMAL"]
    assert "reports 19 items but the saved pages list 1" in caplog.text


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("get_item_list.error.json", r"error response \(error_auth: Invalid partner"),
        ("get_model_list.error.json", r"error response \(product\.error_param"),
        ("get_model_list.as_published.txt", r"not valid JSON \(line 66, column 4"),
    ],
    ids=["item_list_error", "model_list_error", "model_list_trailing_comma"],
)
def test_unusable_samples_are_rejected_in_one_line(name, match):
    path = _samples() / name
    with pytest.raises(ConfigError, match=match) as caught:
        read_api_responses([path])
    message = str(caught.value)
    assert str(path) in message and "\n" not in message


def test_sample_folder_is_rejected_naming_the_bad_file():
    with pytest.raises(ConfigError, match="error response"):
        read_api_folder(_samples())


def test_fixed_model_list_gives_the_item_its_skus(tmp_path):
    shutil.copy(_samples() / "get_item_base_info.json", tmp_path)
    shutil.copy(DATA / "get_model_list_trailing_comma_fixed_34002.json", tmp_path)
    catalog = read_api_folder(tmp_path)
    sku = catalog.skus.row(0, named=True)
    assert (sku["product_id"], sku["seller_sku"], sku["price"]) == (
        "34002",
        "blue bag",
        Decimal("100.00"),
    )
    assert sku["currency"] == "TWD" and sku["stock"] == 0
    assert catalog.products["sku_count"].to_list() == [1]


def test_model_list_without_item_id_is_rejected(tmp_path):
    target = tmp_path / "models.json"
    shutil.copy(DATA / "get_model_list_trailing_comma_fixed_34002.json", target)
    with pytest.raises(ConfigError, match="does not name its item"):
        read_api_responses([target])


def test_emulated_api_folder_reads_every_item(tmp_path):
    folder = write_shopee_catalog(40, 3, tmp_path, "api")
    catalog = read_api_folder(folder)
    assert catalog.products.height > 25
    assert catalog.products["title"].null_count() == 0
    assert catalog.skus["price"].null_count() == 0
    assert (catalog.products["platform"] == "shopee").all()


@pytest.mark.parametrize("shop_index", [0, 1, 2], ids=["shop0", "shop1", "shop2"])
def test_emulated_catalog_is_the_twin_of_its_own_shop(shop_index):
    tiktok_ids = {r.id for r in generate_catalog(40, 3, shop_index).records}
    truth = shopee_ground_truth(40, 3, shop_index)
    paired = {row["tiktok_product_id"] for row in truth if row["tiktok_product_id"]}
    assert paired == tiktok_ids
    items, _ = shopee_catalog(40, 3, shop_index)
    skus = {m["model_sku"].strip().upper() for i in items for m in i["_models"]}
    sku_pairs = [row for row in truth if row["method"] == "sku"]
    assert len(sku_pairs) > 20
    catalog = generate_catalog(40, 3, shop_index)
    bodies = {r.id: catalog.body(r.index) for r in catalog.records}
    for row in sku_pairs:
        first = bodies[row["tiktok_product_id"]]["skus"][0]["seller_sku"]
        assert first.upper() in skus


def test_each_shop_has_its_own_shopee_catalog(tmp_path):
    ids = [
        sorted(
            read_api_folder(
                write_shopee_catalog(40, 3, tmp_path / str(i), "api", shop_index=i)
            ).products["product_id"]
        )
        for i in range(3)
    ]
    assert ids[0] != ids[1] != ids[2] != ids[0]
    # Shop 0 is what a single-shop emulator had before: the default.
    default = write_shopee_catalog(40, 3, tmp_path / "default", "api")
    assert sorted(read_api_folder(default).products["product_id"]) == ids[0]
    assert shopee_shop_id(3, 1) != shopee_shop_id(3) == shopee_shop_id(3, 0)


def _rows():
    return [
        ("111", "Kaos Polos", "9001", "Hitam,S", "KAOS-1", "KAOS-1-HITAM-S", 50000, 3),
        (None, None, "9002", "Hitam,M", None, "KAOS-1-HITAM-M", "55.000", 4),
        ("222", "Madu Hutan", None, None, "MADU-2", None, 125000, 10),
    ]


@pytest.mark.parametrize("language", ["id", "en"])
def test_xlsx_labels_and_parent_sku_filled_down(tmp_path, language):
    path = write_mass_update_xlsx(
        _rows(), tmp_path / "mass_update_sales_info_555_20261101.xlsx", language
    )
    catalog = read_mass_update_xlsx(path)
    skus = catalog.skus
    assert skus["parent_sku"].to_list() == ["KAOS-1", "KAOS-1", "MADU-2"]
    assert skus["product_id"].to_list() == ["111", "111", "222"]
    assert skus["price"].to_list() == [Decimal(50000), Decimal(55000), Decimal(125000)]
    assert skus["seller_sku"].to_list()[2] == "MADU-2"  # no variations: parent SKU
    assert skus["shop_id"].unique().to_list() == ["555"]
    products = catalog.products
    row = products.filter(pl.col("product_id") == "111").row(0, named=True)
    assert (row["sku_count"], row["total_stock"], row["title"]) == (2, 7, "Kaos Polos")
    assert products.schema == SHOPEE_PRODUCTS_SCHEMA


def test_xlsx_with_labels_only_is_read(tmp_path):
    from openpyxl import load_workbook

    path = write_mass_update_xlsx(_rows(), tmp_path / "export.xlsx", "en")
    book = load_workbook(path)
    for cell in book.active[1]:
        cell.value = None  # no machine keys: the English labels must do
    book.save(path)
    assert read_mass_update_xlsx(path).skus.height == 3


def test_not_a_mass_update_file_is_rejected(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    with pytest.raises(ConfigError, match="not a Shopee mass-update"):
        read_mass_update_xlsx(path)
    (tmp_path / "broken.xlsx").write_text("not a zip")
    with pytest.raises(ConfigError, match="not a readable xlsx"):
        read_shopee(tmp_path / "broken.xlsx", "xlsx")


def test_unknown_kind_is_rejected():
    with pytest.raises(ConfigError, match="shopee_kind must be one of api, xlsx"):
        read_shopee("x", "csv")
