"""Pair a seller's TikTok products with its Shopee items.

Two passes. First the seller SKUs: normalized SKU keys (and the product-level
parent SKU) are joined, and a pair is kept when each side is the other's best by
shared keys. Its score is the share of SKUs in common (1.0 when the SKUs are the
same); a parent SKU alone counts only when one side lists no variant SKUs
(`PARENT_SKU_SCORE`). Then the titles of what is left, with rapidfuzz: a pair
needs a close title, and the price and the variants back it up. When two
candidates score within `AMBIGUITY_MARGIN` of each other the item is reported as
ambiguous, with every close candidate, not forced. Every pair carries its
`method` (`sku` or `title`) and `score` (0..1).
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

logger = logging.getLogger(__name__)

__all__ = [
    "AMBIGUITY_MARGIN",
    "MIN_SCORE",
    "MIN_TITLE_SCORE",
    "PARENT_SKU_SCORE",
    "MatchResult",
    "match_catalogs",
    "normalize_sku",
    "normalize_title",
]

MIN_TITLE_SCORE = 0.88  # title similarity alone
MIN_SCORE = 0.86  # title, price and variants together
AMBIGUITY_MARGIN = 0.03
# The parent SKU alone, when one side lists no variant SKUs to compare.
PARENT_SKU_SCORE = 0.5
_WEIGHTS = (0.8, 0.1, 0.1)  # title, price, variants

# Marketing words sellers add to one platform's titles and not the other's.
_TITLE_NOISE = re.compile(
    r"\b(promo|ready stock|ready|original|ori|termurah|murah|free ongkir|bisa cod|"
    r"cod|best seller|terlaris|new|baru|diskon|sale)\b"
)
# Pack sizes tell apart products whose titles are otherwise alike (100gr vs 1kg).
_SIZE = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:gr|g|kg|ml|l|cm|mm|pcs|m)\b")
_PAIRS_SCHEMA = {
    "tiktok_product_id": pl.Utf8(),
    "shopee_item_id": pl.Utf8(),
    "method": pl.Utf8(),
    "score": pl.Float64(),
}
# One row per close candidate pair of an ambiguous Shopee item (`shopee_item_id`):
# `candidate_shopee_item_id` is that item when the rivals are TikTok products, or
# the rival Shopee item when two items are as close to the same TikTok product.
_AMBIGUOUS_SCHEMA = {
    "shopee_item_id": pl.Utf8(),
    "tiktok_product_id": pl.Utf8(),
    "candidate_shopee_item_id": pl.Utf8(),
    "score": pl.Float64(),
    "rank": pl.Int32(),
}


class MatchResult(NamedTuple):
    """Matched pairs and, per ambiguous Shopee item, every close candidate pair."""

    pairs: pl.DataFrame
    ambiguous: pl.DataFrame


def normalize_sku(sku: str | None) -> str | None:
    """Upper case, letters and digits only; None for no SKU (`""`, `"-"`)."""
    if sku is None:
        return None
    key = re.sub(r"[^0-9A-Z]", "", sku.upper())
    return key or None


def normalize_title(title: str | None) -> str:
    """Lower case, marketing words and punctuation removed, spaces collapsed."""
    text = (title or "").lower()
    text = re.sub(r"[\[\](){}|/\\,.+!*#:;'\"-]", " ", text)
    text = _TITLE_NOISE.sub(" ", text)
    return " ".join(text.split())


def _sku_expr() -> pl.Expr:
    return (
        pl.col("seller_sku")
        .str.to_uppercase()
        .str.replace_all(r"[^0-9A-Z]", "")
        .replace("", None)
    )


def _parent_keys(skus: pl.DataFrame) -> pl.DataFrame:
    """TikTok has no parent SKU: the dash-separated prefix its SKUs share."""
    rows = []
    for product_id, group in skus.group_by("product_id"):
        parts = [s.split("-") for s in group["seller_sku"].drop_nulls().to_list()]
        if not parts:
            continue
        common = []
        for pieces in zip(*parts, strict=False):
            if len(set(pieces)) != 1:
                break
            common.append(pieces[0])
        key = normalize_sku("-".join(common))
        if key:
            rows.append((product_id[0], "P" + key))
    return pl.DataFrame(
        rows, schema={"product_id": pl.Utf8, "key": pl.Utf8}, orient="row"
    )


def _keys(skus: pl.DataFrame, parents: pl.DataFrame) -> pl.DataFrame:
    sku_keys = skus.select("product_id", key=_sku_expr()).drop_nulls()
    return pl.concat(
        [
            sku_keys.with_columns(parent=pl.lit(False)),
            parents.with_columns(parent=pl.lit(True)),
        ]
    ).unique()


def _sku_pass(
    tiktok_skus: pl.DataFrame, shopee_products: pl.DataFrame, shopee_skus: pl.DataFrame
) -> tuple[pl.DataFrame, set[str]]:
    """SKU pairs, and the Shopee items whose best SKU partner is tied."""
    tiktok = _keys(tiktok_skus, _parent_keys(tiktok_skus))
    shopee_parents = shopee_products.select(
        "product_id",
        key=pl.lit("P")
        + pl.col("parent_sku").str.to_uppercase().str.replace_all(r"[^0-9A-Z]", ""),
    ).filter(pl.col("key").str.len_chars() > 1)
    shopee = _keys(shopee_skus, shopee_parents)
    shared = (
        tiktok.join(shopee, on=["key", "parent"], suffix="_shopee")
        .group_by(tiktok_product_id="product_id", shopee_item_id="product_id_shopee")
        .agg(shared=pl.len(), shared_skus=(~pl.col("parent")).sum())
    )
    sku_level = ~pl.col("parent")
    sizes_t = tiktok.group_by(tiktok_product_id="product_id").agg(n_t=sku_level.sum())
    sizes_s = shopee.group_by(shopee_item_id="product_id").agg(n_s=sku_level.sum())
    # Ranked by every shared key; scored by the share of SKUs in common.
    # A parent SKU shared while both sides list variant SKUs, none of them in
    # common, is a contradiction, not a match: the title pass may still pair them.
    shared = (
        shared.join(sizes_t, on="tiktok_product_id")
        .join(sizes_s, on="shopee_item_id")
        .filter((pl.col("shared_skus") > 0) | (pl.min_horizontal("n_t", "n_s") == 0))
        .with_columns(
            score=pl.when(pl.col("shared_skus") > 0)
            .then(pl.col("shared_skus") / pl.max_horizontal("n_t", "n_s"))
            .otherwise(PARENT_SKU_SCORE),
            rank=pl.col("shared") + pl.col("shared_skus") / 1000,
        )
    )
    best_s = pl.col("rank") == pl.col("rank").max().over("shopee_item_id")
    best_t = pl.col("rank") == pl.col("rank").max().over("tiktok_product_id")
    ties = pl.len().over("shopee_item_id")
    best = shared.filter(best_s & best_t)
    tied = set(best.filter(ties > 1)["shopee_item_id"].to_list())
    best = best.filter(pl.len().over("shopee_item_id") == 1).filter(
        pl.len().over("tiktok_product_id") == 1
    )
    pairs = best.select(
        "tiktok_product_id",
        "shopee_item_id",
        method=pl.lit("sku"),
        score=pl.col("score").cast(pl.Float64),
    )
    return pairs, tied


def _variant_tokens(skus: pl.DataFrame) -> dict[str, frozenset[str]]:
    # "Warna: Army, Ukuran: S" (TikTok) and "Army,S" (Shopee) give {army, s}.
    tokens: dict[str, set[str]] = {}
    for product_id, variant in skus.select("product_id", "variant").iter_rows():
        if not variant:
            continue
        for part in re.split(r"[,;]", variant):
            value = part.split(":", 1)[-1].strip().lower()
            if value:
                tokens.setdefault(product_id, set()).add(value)
    return {key: frozenset(value) for key, value in tokens.items()}


def _title_pass(
    tiktok: pl.DataFrame,
    shopee: pl.DataFrame,
    tiktok_skus: pl.DataFrame,
    shopee_skus: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    tiktok = tiktok.filter(pl.col("title").fill_null("").str.strip_chars() != "")
    shopee = shopee.filter(pl.col("title").fill_null("").str.strip_chars() != "")
    if tiktok.is_empty() or shopee.is_empty():
        return pl.DataFrame(schema=_PAIRS_SCHEMA), pl.DataFrame(
            schema=_AMBIGUOUS_SCHEMA
        )
    t_titles = [normalize_title(t) for t in tiktok["title"].to_list()]
    s_titles = [normalize_title(t) for t in shopee["title"].to_list()]
    title = (
        process.cdist(s_titles, t_titles, scorer=fuzz.token_sort_ratio, workers=-1)
        / 100.0
    )
    t_sizes = [frozenset(_SIZE.findall(t)) for t in t_titles]
    s_sizes = [frozenset(_SIZE.findall(t)) for t in s_titles]
    for i, j in zip(*np.nonzero(title >= MIN_TITLE_SCORE), strict=True):
        if s_sizes[i] and t_sizes[j] and s_sizes[i] != t_sizes[j]:
            title[i, j] = 0.0
    t_price = tiktok["min_price"].cast(pl.Float64).to_numpy()
    s_price = shopee["min_price"].cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        price = np.minimum.outer(s_price, t_price) / np.maximum.outer(s_price, t_price)
    price = np.nan_to_num(price, nan=0.5)
    t_variants = _variant_tokens(tiktok_skus)
    s_variants = _variant_tokens(shopee_skus)
    t_ids = tiktok["product_id"].to_list()
    s_ids = shopee["product_id"].to_list()
    variants = np.full(title.shape, 0.5)
    for i, s_id in enumerate(s_ids):
        s_set = s_variants.get(s_id, frozenset())
        for j in np.nonzero(title[i] >= MIN_TITLE_SCORE)[0]:
            t_set = t_variants.get(t_ids[j], frozenset())
            if s_set or t_set:
                variants[i, j] = len(s_set & t_set) / len(s_set | t_set)
            else:
                variants[i, j] = 1.0
    w_title, w_price, w_variants = _WEIGHTS
    score = w_title * title + w_price * price + w_variants * variants
    score[title < MIN_TITLE_SCORE] = 0.0

    pairs, ambiguous = [], []
    best_for_t = score.max(axis=0)
    for i, s_id in enumerate(s_ids):
        order = np.argsort(-score[i])
        top = order[0]
        best = score[i, top]
        if best < MIN_SCORE or best_for_t[top] - best >= AMBIGUITY_MARGIN:
            continue  # no close title, or the TikTok product has a clearly better one
        candidates = [
            (float(score[i, j]), t_ids[j], s_id)
            for j in order[:5]
            if best - score[i, j] < AMBIGUITY_MARGIN
        ]
        candidates += [  # other Shopee items as close to the same TikTok product
            (float(score[k, top]), t_ids[top], s_ids[k])
            for k in np.nonzero(np.abs(score[:, top] - best) < AMBIGUITY_MARGIN)[0]
            if k != i and score[k, top] >= MIN_SCORE
        ]
        if len(candidates) > 1:
            candidates.sort(key=lambda row: -row[0])
            for rank, (value, t_id, candidate) in enumerate(candidates, start=1):
                ambiguous.append((s_id, t_id, candidate, round(value, 4), rank))
            continue
        if best < best_for_t[top]:
            continue  # the TikTok product has a better Shopee partner
        pairs.append((t_ids[top], s_id, "title", round(float(best), 4)))
    return (
        pl.DataFrame(pairs, schema=_PAIRS_SCHEMA, orient="row"),
        pl.DataFrame(ambiguous, schema=_AMBIGUOUS_SCHEMA, orient="row"),
    )


def match_catalogs(
    tiktok_products: pl.DataFrame,
    tiktok_skus: pl.DataFrame,
    shopee_products: pl.DataFrame,
    shopee_skus: pl.DataFrame,
) -> MatchResult:
    """Pair TikTok products with Shopee items: by seller SKU, then by title.

    Tables are in the master schema (`product_id`, `title`, `min_price`; SKUs with
    `seller_sku`, `variant`). Returns the pairs (`tiktok_product_id`,
    `shopee_item_id`, `method`, `score`) and the ambiguous candidates.
    """
    sku_pairs, tied = _sku_pass(tiktok_skus, shopee_products, shopee_skus)
    rest_t = tiktok_products.join(
        sku_pairs.select(product_id="tiktok_product_id"), on="product_id", how="anti"
    )
    rest_s = shopee_products.join(
        sku_pairs.select(product_id="shopee_item_id"), on="product_id", how="anti"
    )
    title_pairs, ambiguous = _title_pass(rest_t, rest_s, tiktok_skus, shopee_skus)
    if tied:
        logger.info("%d Shopee item(s) share SKUs with several products", len(tied))
    pairs = pl.concat([sku_pairs, title_pairs]).cast(_PAIRS_SCHEMA)
    logger.info(
        "matched %d pairs (%d by SKU, %d by title), %d ambiguous Shopee item(s)",
        pairs.height,
        sku_pairs.height,
        title_pairs.height,
        ambiguous["shopee_item_id"].n_unique(),
    )
    return MatchResult(pairs, ambiguous)
