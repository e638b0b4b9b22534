"""Great Expectations suites on hand-built tables: each case fails where it should."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tiktok_import import mapping, settings, validation
from tiktok_import.errors import ConfigError

DATA = Path(__file__).parent / "data" / "tiktok"
SHOP_ID = "7494000000000000001"

CLEAN_CASES = [
    "product_listed_on_both",
    "product_tokopedia_only_without_status",
    "product_tiktok_only_without_integrated_platform_statuses",
    "product_weight_kilogram",
    "product_weight_pound_dimensions_inch",
    "product_category_chain_leaf_first",
    "product_without_variants_usd",
]
DEFECT_CASES = {
    "product_missing_price": {"missing_price"},
    "product_zero_price": {"zero_price"},
    "product_negative_stock_in_second_warehouse": {"negative_stock"},
    "product_empty_title": {"empty_title"},
    "product_malformed_image_url": {"malformed_image_url"},
    "product_missing_category": {"missing_category"},
    "product_duplicate_seller_sku_a": {"duplicate_seller_sku"},
    "product_duplicate_seller_sku_b": {"duplicate_seller_sku"},
}


def body(case: str) -> dict:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


def product_id(case: str) -> str:
    return body(case)["data"]["id"]


@pytest.fixture(scope="module")
def outcome() -> validation.ValidationOutcome:
    """Every hand-built case in one table, validated once (GE is slow to start)."""
    cases = [*CLEAN_CASES, *DEFECT_CASES, "product_listed_nowhere_without_any_status"]
    raw = mapping.parse_product_bodies([body(case) for case in cases])
    products, skus = mapping.map_tables(raw, shop_id=SHOP_ID, run_id="r")
    fetch = json.loads((DATA / "fetch_failure_product_not_found.json").read_text())
    return validation.validate_tables(
        products, skus, fetch_failed=validation.fetch_failures([fetch])
    )


def failures_of(outcome: validation.ValidationOutcome, case: str) -> pl.DataFrame:
    return outcome.failures.filter(pl.col("product_id") == product_id(case))


def test_every_defect_kind_is_caught_by_some_expectation() -> None:
    caught = {
        item["meta"].get("defect")
        for name in validation.DEFAULT_SUITES
        for item in validation.load_suite(name)["expectations"]
    }
    assert set(settings.DEFECT_KINDS) <= caught


@pytest.mark.parametrize("case", CLEAN_CASES)
def test_clean_case_passes_every_expectation(
    outcome: validation.ValidationOutcome, case: str
) -> None:
    assert failures_of(outcome, case).height == 0
    row = outcome.products.filter(pl.col("product_id") == product_id(case))
    assert row.get_column("quality_ok").to_list() == [True]
    assert row.get_column("quality_issues").to_list() == [[]]


@pytest.mark.parametrize("case", list(DEFECT_CASES))
def test_defect_case_is_reported_with_its_kind(
    outcome: validation.ValidationOutcome, case: str
) -> None:
    failures = failures_of(outcome, case)
    assert set(failures.get_column("defect").to_list()) == DEFECT_CASES[case]
    assert set(failures.get_column("stage").to_list()) == {"validation"}
    row = outcome.products.filter(pl.col("product_id") == product_id(case))
    assert row.get_column("quality_ok").to_list() == [False]
    assert row.get_column("quality_issues").to_list() == [sorted(DEFECT_CASES[case])]


def test_reasons_are_plain_english(outcome: validation.ValidationOutcome) -> None:
    reasons = {
        case: failures_of(outcome, case).get_column("reason").to_list()
        for case in ("product_missing_price", "product_malformed_image_url")
    }
    sku_id = body("product_missing_price")["data"]["skus"][0]["id"]
    assert reasons["product_missing_price"] == [f"SKU {sku_id} has no sale price"]
    assert reasons["product_malformed_image_url"] == [
        "a main image URL is not a well-formed https URL: "
        "'htps://p16-oec-sg.ibyteimg.com/x.jpeg'"
    ]


def test_checks_name_the_expectation_and_column(
    outcome: validation.ValidationOutcome,
) -> None:
    checks = failures_of(outcome, "product_zero_price").get_column("check")
    assert checks.to_list() == ["expect_column_values_to_not_be_in_set(price)"]
    duplicate = failures_of(outcome, "product_duplicate_seller_sku_a")
    assert duplicate.get_column("check").to_list() == [
        "expect_compound_columns_to_be_unique(shop_id,seller_sku)"
    ]
    assert duplicate.get_column("sku_id").to_list() == [
        body("product_duplicate_seller_sku_a")["data"]["skus"][0]["id"]
    ]


def test_negative_warehouse_is_caught_even_when_the_sum_is_positive(
    outcome: validation.ValidationOutcome,
) -> None:
    failures = failures_of(outcome, "product_negative_stock_in_second_warehouse")
    assert failures.get_column("check").to_list() == [
        "expect_column_values_to_be_between(min_warehouse_stock)"
    ]


def test_product_listed_nowhere_fails_a_check_without_a_defect_kind(
    outcome: validation.ValidationOutcome,
) -> None:
    failures = failures_of(outcome, "product_listed_nowhere_without_any_status")
    assert failures.select("check", "defect").rows() == [
        ("expect_column_values_to_not_be_null(listing)", None)
    ]
    row = outcome.products.filter(
        pl.col("product_id") == product_id("product_listed_nowhere_without_any_status")
    )
    assert row.get_column("quality_issues").to_list() == [
        ["expect_column_values_to_not_be_null(listing)"]
    ]


def test_fetch_failure_is_a_failure_with_the_api_code(
    outcome: validation.ValidationOutcome,
) -> None:
    fetch = outcome.failures.filter(pl.col("stage") == "fetch")
    assert fetch.select("product_id", "check", "defect").rows() == [
        ("1729000000000000199", "12019150", None)
    ]
    assert fetch.item(0, "reason").startswith(
        "Search Products listed it but Get Product says it does not exist"
    )


def test_failures_table_schema(outcome: validation.ValidationOutcome) -> None:
    assert outcome.failures.schema == pl.Schema(validation.FAILURES_SCHEMA)
    assert outcome.products.schema["quality_issues"] == pl.List(pl.Utf8)


def test_summary_rows_follow_the_suite_files(
    outcome: validation.ValidationOutcome,
) -> None:
    keys = {
        "suite",
        "expectation",
        "column",
        "success",
        "element_count",
        "unexpected_count",
        "unexpected_percent",
        "description",
        "defect",
    }
    assert all(set(row) == keys for row in outcome.summary)
    stored = [
        item["description"]
        for name in ("products", "skus")
        for item in validation.load_suite(name)["expectations"]
    ]
    assert [row["description"] for row in outcome.summary] == stored
    price = next(row for row in outcome.summary if row["defect"] == "missing_price")
    assert (price["success"], price["unexpected_count"]) == (False, 1)
    assert not outcome.success


def test_search_only_tables_skip_the_detail_checks() -> None:
    pages = DATA / "search_pages_product_repeated_with_newer_update_time.jsonl"
    raw = mapping.parse_search_pages(pages.read_bytes())
    products, skus = mapping.map_tables(raw, shop_id=SHOP_ID, run_id="r")
    outcome = validation.validate_tables(products, skus, details=False)
    assert outcome.failures.height == 0
    checked = {row["column"] for row in outcome.summary}
    assert "category_id" not in checked
    assert "image_urls" not in checked


def test_only_the_suites_asked_for_run() -> None:
    raw = mapping.parse_product_bodies([body("product_zero_price")])
    products, skus = mapping.map_tables(raw, shop_id=SHOP_ID, run_id="r")
    outcome = validation.validate_tables(products, skus, suites="skus")
    assert {row["suite"] for row in outcome.summary} == {"skus"}
    assert outcome.failures.get_column("defect").to_list() == ["zero_price"]


def test_ge_frame_turns_decimals_to_floats_and_lists_to_strings() -> None:
    raw = mapping.parse_product_bodies([body("product_missing_price")])
    products, skus = mapping.map_tables(raw, shop_id=SHOP_ID, run_id="r")
    view = validation.ge_frame(products)
    assert view["min_price"].tolist() == [99000.0]
    urls = products.item(0, "image_urls")
    assert view["image_urls"].tolist() == [" ".join(urls)]
    assert validation.ge_frame(skus)["price"].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    ("suites", "expected"),
    [("products,skus", ("products", "skus")), (["skus"], ("skus",))],
    ids=["comma-string", "list"],
)
def test_parse_suites(suites: str | list[str], expected: tuple[str, ...]) -> None:
    assert validation.parse_suites(suites) == expected


def test_parse_suites_refuses_an_unknown_suite() -> None:
    with pytest.raises(ConfigError, match="suites must be some of products, skus"):
        validation.parse_suites("products,orders")


def write_suite(folder: Path, suite: dict) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{suite['name']}.json").write_text(json.dumps(suite))
    return folder


def test_load_suite_refuses_an_unknown_defect_kind(tmp_path: Path) -> None:
    suite = validation.load_suite("skus")
    suite["expectations"][1]["meta"]["defect"] = "bad_vibes"
    with pytest.raises(ConfigError, match="names defect 'bad_vibes'"):
        validation.load_suite("skus", write_suite(tmp_path / "x", suite))


def test_load_suite_refuses_duplicate_descriptions(tmp_path: Path) -> None:
    suite = validation.load_suite("skus")
    suite["expectations"].append(suite["expectations"][1])
    with pytest.raises(ConfigError, match="unique in the suite"):
        validation.load_suite("skus", write_suite(tmp_path / "x", suite))


def test_load_suite_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="products.json is missing"):
        validation.load_suite("products", tmp_path)
