"""Search Products and Get Product as the emulator serves them."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
import requests

from tiktok_import.emulator import Emulator, EmulatorConfig, generate_catalog
from tiktok_import.signing import compute_sign

SEARCH_202309_FIELDS = {
    "id",
    "title",
    "status",
    "create_time",
    "update_time",
    "sales_regions",
    "recommended_categories",
    "product_sync_fail_reasons",
    "skus",
}
SEARCH_202312_EXTRA = {
    "integrated_platform_statuses",
    "audit",
    "is_not_for_sale",
    "listing_quality_tier",
}


@pytest.fixture(scope="module")
def truth(emulator):
    return {row["id"]: row for row in emulator.ground_truth()}


def ids_of(pages):
    return [product["id"] for page in pages for product in page["data"]["products"]]


def test_a_walk_ends_with_an_empty_next_page_token(caller, truth):
    pages = caller.walk(page_size=100)
    assert len(pages) == 5
    assert [page["data"]["total_count"] for page in pages] == [500] * 5
    tokens = [page["data"]["next_page_token"] for page in pages]
    assert all(tokens[:-1]) and tokens[-1] == ""
    assert sorted(ids_of(pages)) == sorted(truth)


def test_results_come_in_update_time_then_id_order(caller):
    products = [
        p for page in caller.walk(page_size=37) for p in page["data"]["products"]
    ]
    keys = [(p["update_time"], int(p["id"])) for p in products]
    assert keys == sorted(keys)
    assert len(keys) == 500


def test_page_tokens_with_plus_or_slash_work_when_url_encoded(caller):
    pages = caller.walk(page_size=5)
    tokens = [page["data"]["next_page_token"] for page in pages[:-1]]
    special = [token for token in tokens if "+" in token or "/" in token]
    assert special, "no token held + or /"
    # walk() sends every token URL-encoded and every page answered code 0.
    assert {page["code"] for page in pages} == {0}
    assert len(ids_of(pages)) == 500


def test_a_page_token_sent_without_url_encoding_fails(caller):
    pages = caller.walk(page_size=5)
    token = next(
        page["data"]["next_page_token"]
        for page in pages
        if "+" in page["data"]["next_page_token"]
    )
    path = "/product/202312/products/search"
    query = {
        "page_size": "5",
        "page_token": token,
        "shop_cipher": caller.cipher,
        "app_key": caller.emulator.app_key,
        "timestamp": str(int(time.time())),
    }
    query["sign"] = compute_sign(caller.emulator.app_secret, path, query, b"{}")
    raw = "&".join(f"{key}={value}" for key, value in query.items())  # no encoding
    response = requests.post(
        f"{caller.emulator.base_url}{path}?{raw}",
        data=b"{}",
        headers={
            "x-tts-access-token": caller.token,
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert response.json()["code"] != 0
    assert f"{path}?{urlencode(query)}" != f"{path}?{raw}"


def test_a_tampered_page_token_is_refused(caller):
    token = caller.search(page_size=10)["data"]["next_page_token"]
    body = caller.search(page_size=10, page_token="x" + token[1:-2])
    assert body["code"] == 36009004
    assert "page_token" in body["message"]


def test_a_page_token_only_works_with_its_filters(caller):
    token = caller.search(page_size=10)["data"]["next_page_token"]
    body = caller.search(page_size=10, page_token=token, update_time_ge=1)
    assert body["code"] == 36009004
    assert "other search filters" in body["message"]


@pytest.mark.parametrize(
    ("page_size", "message"),
    [
        (0, "page_size must be 1..100, got 0"),
        (101, "page_size must be 1..100, got 101"),
        ("abc", "page_size must be an integer"),
    ],
)
def test_page_size_outside_1_to_100_is_refused(caller, page_size, message):
    body = caller.search(page_size=page_size)
    assert body["code"] == 36009004
    assert message in body["message"]


def test_search_202309_returns_the_reduced_shape(caller):
    products = caller.search("202309", 100)["data"]["products"]
    for product in products:
        assert set(product) <= SEARCH_202309_FIELDS
        for sku in product["skus"]:
            assert set(sku) == {"id", "seller_sku", "price", "inventory"}


def test_search_202312_adds_tokopedia_audit_and_list_price(caller, truth):
    for version in ("202312", "202502"):
        products = caller.search(version, 100)["data"]["products"]
        for product in products:
            assert set(product) <= SEARCH_202309_FIELDS | SEARCH_202312_EXTRA
            assert {"audit", "is_not_for_sale", "listing_quality_tier"} <= set(product)
            on_tokopedia = truth[product["id"]]["listing"] != "tiktok_only"
            assert ("integrated_platform_statuses" in product) == on_tokopedia
            for sku in product["skus"]:
                assert set(sku) == {
                    "id",
                    "seller_sku",
                    "price",
                    "inventory",
                    "list_price",
                }
                assert sku["list_price"]["currency"] == "IDR"


@pytest.mark.parametrize("where", ["search", "detail"])
def test_tokopedia_semantics_follow_the_listing(caller, truth, where):
    if where == "search":
        products = [p for page in caller.walk() for p in page["data"]["products"]]
    else:
        listed = [row for row in truth.values() if not row["vanishes"]][:150]
        products = [caller.product(row["id"])["data"] for row in listed]
    seen = set()
    for product in products:
        listing = truth[product["id"]]["listing"]
        seen.add(listing)
        if listing == "both":
            assert "status" in product
            assert [s["platform"] for s in product["integrated_platform_statuses"]] == [
                "TOKOPEDIA"
            ]
        elif listing == "tiktok_only":
            assert "status" in product
            assert "integrated_platform_statuses" not in product
        else:
            assert "status" not in product
            assert product["integrated_platform_statuses"][0]["platform"] == "TOKOPEDIA"
    assert seen == {"both", "tiktok_only", "tokopedia_only"}


def test_status_filter_matches_any_listed_platform(caller):
    pages = caller.walk(status="SELLER_DEACTIVATED")
    products = [p for page in pages for p in page["data"]["products"]]
    assert products
    assert pages[0]["data"]["total_count"] == len(products)
    for product in products:
        statuses = {product.get("status")} | {
            s["status"] for s in product.get("integrated_platform_statuses", [])
        }
        assert "SELLER_DEACTIVATED" in statuses


def test_listing_platforms_narrows_to_one_platforms_status(caller):
    pages = caller.walk(status="ACTIVATE", listing_platforms=["TOKOPEDIA"])
    products = [p for page in pages for p in page["data"]["products"]]
    assert products
    for product in products:
        assert product["integrated_platform_statuses"][0]["status"] == "ACTIVATE"


def test_listing_platforms_needs_a_status(caller):
    body = caller.search(listing_platforms=["TOKOPEDIA"])
    assert body["code"] == 36009004
    assert "needs a status other than ALL" in body["message"]


def test_search_202309_refuses_202312_filters(caller):
    body = caller.search("202309", status="ACTIVATE", listing_platforms=["TOKOPEDIA"])
    assert body["code"] == 36009004
    assert "listing_platforms" in body["message"]


def test_seller_skus_filter(caller):
    first = caller.search(page_size=1)["data"]["products"][0]
    wanted = first["skus"][0]["seller_sku"]
    body = caller.search(seller_skus=[wanted])
    assert [p["id"] for p in body["data"]["products"]] == [first["id"]]
    assert body["data"]["total_count"] == 1


def test_seller_skus_accepts_at_most_ten(caller):
    body = caller.search(seller_skus=[f"SKU-{n}" for n in range(11)])
    assert body["code"] == 36009004
    assert "at most 10" in body["message"]


def test_time_windows_filter_inclusively(caller):
    products = [p for page in caller.walk() for p in page["data"]["products"]]
    middle = sorted(p["update_time"] for p in products)[250]
    low = caller.walk(update_time_le=middle)
    high = caller.walk(update_time_ge=middle + 1)
    assert low[0]["data"]["total_count"] + high[0]["data"]["total_count"] == 500
    assert max(p["update_time"] for p in low[-1]["data"]["products"]) <= middle
    created = sorted(p["create_time"] for p in products)[100]
    early = caller.search(create_time_le=created)["data"]
    assert early["total_count"] == sum(p["create_time"] <= created for p in products)


def test_vanished_products_are_listed_but_not_found(caller, truth):
    listed = set(ids_of(caller.walk()))
    vanishing = [row["id"] for row in truth.values() if row["vanishes"]]
    assert len(vanishing) == 5
    for product_id in vanishing:
        assert product_id in listed
        body = caller.product(product_id)
        assert body["code"] == 12019150
        assert product_id in body["message"]


def test_unknown_product_id_is_not_found(caller):
    assert caller.product("1729000000000000000")["code"] == 12019150


def test_product_detail_is_the_full_product(caller, truth):
    product_id = next(row["id"] for row in truth.values() if not row["defects"])
    data = caller.product(product_id)["data"]
    for field in (
        "description",
        "category_chains",
        "main_images",
        "package_weight",
        "package_dimensions",
        "skus",
        "audit",
        "is_cod_allowed",
        "minimum_order_quantity",
        "create_time",
        "update_time",
    ):
        assert field in data
    assert data["description"].startswith("<p>")
    assert data["category_chains"][-1]["is_leaf"] is True
    sku = data["skus"][0]
    assert {"price", "list_price", "inventory", "sales_attributes"} <= set(sku)


def test_edits_move_products_to_the_end_of_a_walk(start_emulator, make_caller):
    emulator = start_emulator(size=500)
    caller = make_caller(emulator)
    first = caller.search(page_size=100)
    served = {p["id"] for p in first["data"]["products"]}
    started = int(time.time())
    edited = set(emulator.edit_products(50))
    assert len(edited) == 50
    token = first["data"]["next_page_token"]
    rest = []
    while token:
        page = caller.search(page_size=100, page_token=token)
        rest.append(page)
        token = page["data"]["next_page_token"]
    later = [p for page in rest for p in page["data"]["products"]]
    # Edited products already served show up again; none is skipped.
    assert len(served) + len(later) == 500 + len(edited & served)
    assert served | {p["id"] for p in later} == {
        r["id"] for r in emulator.ground_truth()
    }
    tail = later[-50:]
    assert {p["id"] for p in tail} == edited
    assert all(p["update_time"] >= started for p in tail)
    assert caller.product(tail[0]["id"])["data"]["update_time"] >= started


@pytest.fixture(scope="module")
def big_emulator():
    with Emulator(EmulatorConfig(size=25_000, seed=7, rps=None)) as running:
        yield running


def test_a_search_stops_at_10000_results(big_emulator, make_caller):
    caller = make_caller(big_emulator)
    token, served = "", 0
    for _ in range(100):
        page = caller.search(page_size=100, page_token=token)
        assert page["code"] == 0
        assert page["data"]["total_count"] == 25_000
        served += len(page["data"]["products"])
        token = page["data"]["next_page_token"]
    assert served == 10_000
    assert token
    capped = caller.search(page_size=100, page_token=token)
    assert capped["code"] == 12052180
    assert "update_time" in capped["message"]


def test_windows_under_the_cap_walk_the_whole_catalog(big_emulator, make_caller):
    caller = make_caller(big_emulator)
    catalog = generate_catalog(25_000, 7)  # the same catalog, unedited
    times = sorted(record.update_time for record in catalog.records)
    bounds = [0, times[8_000], times[16_000], times[24_000], None]
    total = 0
    for low, high in zip(bounds, bounds[1:], strict=False):
        filters = {"update_time_ge": low if low == 0 else low + 1}
        if high is not None:
            filters["update_time_le"] = high
        first = caller.search(page_size=1, **filters)
        assert first["code"] == 0
        assert first["data"]["total_count"] < 10_000
        total += first["data"]["total_count"]
    assert total == 25_000


def test_sku_ids_audit_status_and_quality_tier_filters(caller, emulator):
    first = caller.search(page_size=1)["data"]["products"][0]
    by_sku = caller.search(sku_ids=[first["skus"][-1]["id"]])["data"]
    assert [p["id"] for p in by_sku["products"]] == [first["id"]]

    failed = [
        p
        for page in caller.walk(audit_status=["FAILED"])
        for p in page["data"]["products"]
    ]
    assert failed
    assert {p["audit"]["status"] for p in failed} == {"FAILED"}

    poor = caller.search("202502", listing_quality_tiers=["POOR"])["data"]
    assert poor["total_count"] > 0
    assert {p["listing_quality_tier"] for p in poor["products"]} == {"POOR"}
    single = caller.search("202312", listing_quality_tier="POOR")["data"]
    assert single["total_count"] == poor["total_count"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"status": "ACTIVE"}, "status must be ALL or one of"),
        ({"update_time_ge": "yesterday"}, "update_time_ge must be a Unix time"),
        ({"seller_skus": "KAOS-000001"}, "seller_skus must be a list of strings"),
        ({"listing_platforms": ["SHOPEE"], "status": "ACTIVATE"}, "unknown values"),
        ({"colour": "red"}, "unknown body fields ['colour']"),
    ],
    ids=["status", "time", "skus", "platform", "unknown-field"],
)
def test_malformed_filters_are_refused_with_a_clear_message(caller, filters, message):
    body = caller.search(**filters)
    assert body["code"] == 36009004
    assert message in body["message"]


def test_an_empty_window_has_no_products_and_no_next_page(caller):
    data = caller.search(update_time_ge=2_000_000_000)["data"]
    assert data == {"products": [], "next_page_token": "", "total_count": 0}
