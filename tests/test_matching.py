"""Matching against the emulator's true pairing (500 products, seed 7)."""

import polars as pl
import pytest

from tiktok_import.emulator.catalog import generate_catalog
from tiktok_import.emulator.shopee import shopee_ground_truth, write_shopee_catalog
from tiktok_import.mapping import map_tables, parse_product_bodies
from tiktok_import.matching import (
    PARENT_SKU_SCORE,
    match_catalogs,
    normalize_sku,
    normalize_title,
)
from tiktok_import.shopee import read_shopee

SIZE, SEED = 500, 7


def _tiktok_tables(size, seed):
    # What an import maps: every product except those that vanish.
    catalog = generate_catalog(size, seed)
    bodies = [
        {"code": 0, "data": catalog.body(r.index)}
        for r in catalog.records
        if not r.vanishes
    ]
    return map_tables(parse_product_bodies(bodies), shop_id="s", run_id="r")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    products, skus = _tiktok_tables(SIZE, SEED)
    folder = write_shopee_catalog(SIZE, SEED, tmp_path_factory.mktemp("api"), "api")
    shopee = read_shopee(folder, "api")
    result = match_catalogs(products, skus, shopee.products, shopee.skus)
    present = set(products["product_id"].to_list())
    truth = {
        (row["tiktok_product_id"], row["shopee_item_id"]): row["method"]
        for row in shopee_ground_truth(SIZE, SEED)
        if row["tiktok_product_id"] in present and row["shopee_item_id"]
    }
    return result, truth


def _figures(result, truth, method):
    found = result.pairs.filter(pl.col("method") == method)
    pairs = list(found.select("tiktok_product_id", "shopee_item_id").iter_rows())
    correct = sum(pair in truth for pair in pairs)
    expected = [pair for pair, how in truth.items() if how == method]
    recalled = sum(pair in set(pairs) for pair in expected)
    return correct / len(pairs), recalled / len(expected), len(pairs)


def test_sku_matches_are_exact(measured):
    precision, recall, count = _figures(*measured, "sku")
    assert count > 300
    assert precision == 1.0
    assert recall >= 0.99


def test_title_matches_reach_95_percent_precision(measured):
    precision, recall, count = _figures(*measured, "title")
    assert count > 50
    assert precision >= 0.95
    assert recall >= 0.90


def test_every_pair_carries_method_and_score(measured):
    result, _ = measured
    assert set(result.pairs["method"].unique()) == {"sku", "title"}
    assert result.pairs["score"].is_between(0, 1).all()
    assert result.pairs["tiktok_product_id"].is_unique().all()
    assert result.pairs["shopee_item_id"].is_unique().all()


def _table(rows, price_col="min_price"):
    return pl.DataFrame(
        rows,
        schema={"product_id": pl.Utf8, "title": pl.Utf8, price_col: pl.Float64},
        orient="row",
    )


def _skus(rows):
    return pl.DataFrame(
        rows,
        schema={"product_id": pl.Utf8, "seller_sku": pl.Utf8, "variant": pl.Utf8},
        orient="row",
    )


def test_two_close_candidates_are_reported_not_forced():
    tiktok = _table(
        [
            ("t1", "Kaos Polos Premium Hitam", 50000.0),
            ("t2", "Kaos Polos Premium Hitam", 50000.0),
        ]
    )
    shopee = _table([("s1", "PROMO Kaos Polos Premium Hitam", 50000.0)])
    shopee = shopee.with_columns(parent_sku=pl.lit(None, pl.Utf8))
    result = match_catalogs(
        tiktok,
        _skus([("t1", "A-1", None), ("t2", "B-1", None)]),
        shopee,
        _skus([("s1", "X-9", None)]),
    )
    assert result.pairs.is_empty()
    assert sorted(result.ambiguous["tiktok_product_id"].to_list()) == ["t1", "t2"]


def test_sku_match_ignores_case_and_spaces():
    tiktok = _table([("t1", "Madu", 10.0)])
    shopee = _table([("s1", "Lain", 10.0)]).with_columns(parent_sku=pl.lit("-"))
    result = match_catalogs(
        tiktok,
        _skus([("t1", "MADU-000001", None)]),
        shopee,
        _skus([("s1", " madu-000001 ", None)]),
    )
    assert result.pairs.row(0) == ("t1", "s1", "sku", 1.0)


def test_normalizers():
    assert normalize_sku(" ab-12 ") == "AB12"
    assert normalize_sku("-") is None
    assert normalize_title("[READY STOCK] Kaos POLOS - Bisa COD") == "kaos polos"


def test_two_shopee_items_close_to_one_product_are_both_listed():
    tiktok = _table([("t1", "Kaos Polos Premium Hitam", 50000.0)])
    shopee = _table(
        [
            ("s1", "PROMO Kaos Polos Premium Hitam", 50000.0),
            ("s2", "Kaos Polos Premium Hitam Original", 50000.0),
        ]
    ).with_columns(parent_sku=pl.lit(None, pl.Utf8))
    result = match_catalogs(
        tiktok,
        _skus([("t1", "A-1", None)]),
        shopee,
        _skus([("s1", "X-1", None), ("s2", "Y-1", None)]),
    )
    assert result.pairs.is_empty()
    for item, rival in (("s1", "s2"), ("s2", "s1")):
        rows = result.ambiguous.filter(pl.col("shopee_item_id") == item)
        assert sorted(rows["candidate_shopee_item_id"].to_list()) == sorted(
            [item, rival]
        )
        assert rows["tiktok_product_id"].to_list() == ["t1", "t1"]
        assert rows["score"].to_list() == [1.0, 1.0]
        assert rows["rank"].to_list() == [1, 2]


def test_a_clearly_better_rival_is_paired_and_the_other_not_ambiguous():
    tiktok = _table([("t1", "Sambal Roa Pedas Manado 200gr", 30000.0)])
    shopee = _table(
        [
            ("s1", "Sambal Roa Pedas Manado 200gr", 30000.0),
            ("s2", "Sambal Roa Pedas Manado Asli 200gr", 30000.0),
        ]
    ).with_columns(parent_sku=pl.lit(None, pl.Utf8))
    result = match_catalogs(
        tiktok,
        _skus([("t1", "A-1", None)]),
        shopee,
        _skus([("s1", "X-1", None), ("s2", "Y-1", None)]),
    )
    assert result.pairs.select("tiktok_product_id", "shopee_item_id").row(0) == (
        "t1",
        "s1",
    )
    assert result.ambiguous.is_empty()


def test_a_shared_parent_sku_with_no_shared_sku_is_no_sku_match():
    # Same category code and running number, other variants: other products.
    tiktok = _table([("t1", "Madu Hutan", 10.0)])
    shopee = _table([("s1", "Kopi Bubuk", 10.0)]).with_columns(
        parent_sku=pl.lit("MDU-000001")
    )
    result = match_catalogs(
        tiktok,
        _skus([("t1", "MDU-000001-S", None), ("t1", "MDU-000001-M", None)]),
        shopee,
        _skus([("s1", "MDU-000001-XL", None)]),
    )
    assert result.pairs.is_empty()


def test_a_parent_sku_alone_is_a_weaker_sku_match():
    tiktok = _table([("t1", "Madu Hutan", 10.0)])
    shopee = _table([("s1", "Madu", 10.0)]).with_columns(
        parent_sku=pl.lit("mdu-000001")
    )
    result = match_catalogs(
        tiktok,
        _skus([("t1", "MDU-000001-S", None), ("t1", "MDU-000001-M", None)]),
        shopee,
        _skus([("s1", None, "S"), ("s1", None, "M")]),
    )
    assert result.pairs.row(0) == ("t1", "s1", "sku", PARENT_SKU_SCORE)
