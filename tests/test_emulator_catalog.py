"""The generated catalog: deterministic, Indonesian, clean except where planned."""

from __future__ import annotations

import json
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

from tiktok_import.emulator import generate_catalog, write_ground_truth
from tiktok_import.settings import DEFECT_KINDS, LISTINGS, PRODUCT_STATUSES


@pytest.fixture(scope="module")
def catalog_5000():
    return generate_catalog(5000, 11)


def is_https_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.netloc) and " " not in url


def clean_problems(body: dict) -> list[str]:
    """What stops a product body from passing every expectation."""
    found = []
    if not body["title"] or len(body["title"]) > 255:
        found.append("title")
    if not body["category_chains"] or not body["category_chains"][-1]["is_leaf"]:
        found.append("category")
    if not all(is_https_url(image["urls"][0]) for image in body["main_images"]):
        found.append("image")
    for sku in body["skus"]:
        if int(sku["price"].get("sale_price", "0")) <= 0:
            found.append("price")
        if any(stock["quantity"] < 0 for stock in sku["inventory"]):
            found.append("stock")
    return found


def test_same_seed_gives_the_same_catalog():
    first, second = generate_catalog(300, 5), generate_catalog(300, 5)
    assert first.ground_truth() == second.ground_truth()
    assert [first.body(i) for i in range(300)] == [second.body(i) for i in range(300)]


def test_edits_stay_in_their_own_catalog():
    edited, untouched = generate_catalog(100, 3), generate_catalog(100, 3)
    edited.edit([0, 1], 1_900_000_000)
    assert edited.update_time(0) == 1_900_000_000
    assert untouched.update_time(0) == untouched.records[0].update_time < 1_900_000_000
    assert edited.body(1)["update_time"] == 1_900_000_000


def test_another_seed_gives_another_catalog():
    ids = {row["id"] for row in generate_catalog(300, 5).ground_truth()}
    other = {row["id"] for row in generate_catalog(300, 6).ground_truth()}
    assert not ids & other


def test_shops_have_their_own_catalogs():
    first, second = generate_catalog(200, 5, 0), generate_catalog(200, 5, 1)
    assert first.shop["id"] != second.shop["id"]
    assert first.shop["cipher"] != second.shop["cipher"]
    assert not {r.id for r in first.records} & {r.id for r in second.records}
    assert {row["shop_id"] for row in second.ground_truth()} == {second.shop["id"]}


def test_shop_is_indonesian_and_local():
    shop = generate_catalog(10, 7).shop
    assert shop["region"] == "ID"
    assert shop["seller_type"] == "LOCAL"
    assert len(shop["id"]) == 19 and shop["id"].isdigit()


def test_ground_truth_counts_are_as_intended(catalog_5000):
    rows = catalog_5000.ground_truth()
    listings = Counter(row["listing"] for row in rows)
    assert set(listings) == set(LISTINGS)
    assert 0.56 < listings["both"] / 5000 < 0.64
    assert 0.21 < listings["tiktok_only"] / 5000 < 0.29
    assert 0.12 < listings["tokopedia_only"] / 5000 < 0.18
    defective = [row for row in rows if row["defects"]]
    assert 0.03 <= len(defective) / 5000 <= 0.05
    assert {kind for row in defective for kind in row["defects"]} == set(DEFECT_KINDS)
    vanishing = [row for row in rows if row["vanishes"]]
    assert len(vanishing) == 50
    assert not any(row["defects"] for row in vanishing)


def test_ground_truth_rows_have_the_contract_shape(catalog_5000):
    for row in catalog_5000.ground_truth():
        assert row.keys() == {"id", "listing", "defects", "vanishes", "shop_id"}
        assert len(row["id"]) == 19 and row["id"].isdigit()
        assert row["listing"] in LISTINGS
        assert set(row["defects"]) <= set(DEFECT_KINDS)


def test_write_ground_truth_writes_one_line_per_product(tmp_path):
    path = tmp_path / "truth" / "catalog.jsonl"
    assert write_ground_truth(120, 3, path, shops=2) == 240
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 240
    assert len({row["shop_id"] for row in rows}) == 2
    assert rows[:120] == generate_catalog(120, 3, 0).ground_truth()


def test_clean_products_pass_every_expectation(catalog_5000):
    bodies = [catalog_5000.body(record.index) for record in catalog_5000.records]
    for record, body in zip(catalog_5000.records, bodies, strict=True):
        if not record.defect:
            assert clean_problems(body) == [], record
    seller_skus = Counter(sku["seller_sku"] for body in bodies for sku in body["skus"])
    duplicated = {sku for sku, count in seller_skus.items() if count > 1}
    holders = {
        body["id"]
        for body in bodies
        if {sku["seller_sku"] for sku in body["skus"]} & duplicated
    }
    marked = {r.id for r in catalog_5000.records if r.defect == "duplicate_seller_sku"}
    assert holders == marked


@pytest.mark.parametrize("kind", DEFECT_KINDS)
def test_each_defect_is_as_the_contract_describes(catalog_5000, kind):
    records = [r for r in catalog_5000.records if r.defect == kind]
    assert records
    for record in records:
        body = catalog_5000.body(record.index)
        skus = body["skus"]
        if kind == "missing_price":
            assert any("sale_price" not in sku["price"] for sku in skus)
        elif kind == "zero_price":
            assert any(sku["price"]["sale_price"] == "0" for sku in skus)
        elif kind == "negative_stock":
            quantities = [
                stock["quantity"] for sku in skus for stock in sku["inventory"]
            ]
            assert min(quantities) < 0
        elif kind == "empty_title":
            assert body["title"] == ""
        elif kind == "malformed_image_url":
            urls = [image["urls"][0] for image in body["main_images"]]
            assert not all(is_https_url(url) for url in urls)
        elif kind == "missing_category":
            assert body["category_chains"] == []
        elif kind == "duplicate_seller_sku":
            assert len(records) % 2 == 0
        problems = clean_problems(body)
        expected = {
            "missing_price": ["price"],
            "zero_price": ["price"],
            "negative_stock": ["stock"],
            "empty_title": ["title"],
            "malformed_image_url": ["image"],
            "missing_category": ["category"],
            "duplicate_seller_sku": [],
        }[kind]
        assert problems == expected, record


def test_products_look_like_an_indonesian_sellers(catalog_5000):
    body = catalog_5000.body(0)
    assert body["skus"][0]["price"]["currency"] == "IDR"
    for record in catalog_5000.records[:500]:
        body = catalog_5000.body(record.index)
        assert 1 <= len(body["main_images"]) <= 9
        assert body["package_weight"]["unit"] in ("GRAM", "KILOGRAM")
        assert body["package_dimensions"]["unit"] == "CENTIMETER"
        assert 2 <= len(body["category_chains"]) <= 3 or record.defect
        assert body["create_time"] <= body["update_time"]
        for sku in body["skus"]:
            assert sku["price"].get("sale_price", "1").isdigit()
            assert int(sku["list_price"]["amount"]) >= int(
                sku["price"].get("sale_price", "0")
            )
            assert 1 <= len(sku["inventory"]) <= 2
            for attribute in sku["sales_attributes"]:
                assert attribute["name"] in ("Warna", "Ukuran", "Varian")
    titles = [catalog_5000.body(i)["title"] for i in range(200)]
    assert any(
        "Kaos" in title or "Hijab" in title or "Sambal" in title for title in titles
    )


def test_statuses_follow_the_listing(catalog_5000):
    differ = 0
    for record in catalog_5000.records:
        body = catalog_5000.body(record.index)
        if record.listing == "tokopedia_only":
            assert "status" not in body
        else:
            assert body["status"] in PRODUCT_STATUSES
        if record.listing == "tiktok_only":
            assert "integrated_platform_statuses" not in body
        else:
            (tokopedia,) = body["integrated_platform_statuses"]
            assert tokopedia["platform"] == "TOKOPEDIA"
            assert tokopedia["status"] in PRODUCT_STATUSES
        if record.listing == "both":
            differ += (
                body["status"] != body["integrated_platform_statuses"][0]["status"]
            )
    statuses = Counter(record.tiktok_status for record in catalog_5000.records)
    assert statuses.most_common(1)[0][0] == "ACTIVATE"
    assert {"SELLER_DEACTIVATED", "PENDING", "DRAFT", "FAILED"} <= set(statuses)
    assert differ > 0


def test_generating_large_catalogs_is_fast():
    started = time.perf_counter()
    catalog = generate_catalog(25_000, 1234)
    elapsed = time.perf_counter() - started
    assert len(catalog) == 25_000
    assert elapsed < 3.0
