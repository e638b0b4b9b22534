"""The emulated seller's Shopee catalog, overlapping its TikTok catalog.

Deterministic from (size, seed, shop_index): the TikTok catalog of
`generate_catalog(size, seed, shop_index)` is the starting point, so each emulated
shop has its own Shopee twin. Most products are on Shopee with the same seller
SKUs (some typed in another case or with spaces), some carry other SKUs under a
reworded title, some are on TikTok only, and the seller also has Shopee-only
items. Prices, stock and statuses drift between the platforms. The true pairing
is `shopee_ground_truth(size, seed, shop_index)`.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .catalog import CATALOG_END, generate_catalog

logger = logging.getLogger(__name__)

__all__ = [
    "FORMS",
    "SHOPEE_SHARES",
    "shopee_catalog",
    "shopee_ground_truth",
    "shopee_shop_id",
    "write_shopee_catalog",
]

FORMS = ("api", "xlsx")
# How a TikTok product shows up on Shopee; Shopee-only items come on top.
SHOPEE_SHARES = (("sku", 0.70), ("title", 0.12), ("none", 0.18))
SHOPEE_ONLY_SHARE = 0.10
ITEM_LIST_PAGE = 100
BASE_INFO_BATCH = 50

_STATUS = {
    "ACTIVATE": "NORMAL",
    "SELLER_DEACTIVATED": "UNLIST",
    "PLATFORM_DEACTIVATED": "BANNED",
    "PENDING": "REVIEWING",
    "FAILED": "REVIEWING",
    "DRAFT": "UNLIST",
    None: "NORMAL",
}
_TITLE_PREFIXES = ("", "", "PROMO ", "[READY STOCK] ", "Original ", "TERMURAH ")
_TITLE_SUFFIXES = ("", "", " - Free Ongkir", " Bisa COD", " Termurah", " Best Seller")
_PRICE_DRIFT = ((0.0, 0.55), (0.05, 0.2), (-0.05, 0.1), (0.12, 0.08), (-0.15, 0.07))


def _stream(name: str, seed: int, shop_index: int, *rest: int) -> random.Random:
    # Shop 0 keeps the streams it had before there were several shops.
    parts = [name, str(seed), *map(str, rest)]
    if shop_index:
        parts.append(str(shop_index))
    return random.Random("/".join(parts))


def shopee_shop_id(seed: int, shop_index: int = 0) -> str:
    """The emulated seller's Shopee shop id for a seed and TikTok shop index."""
    return str(_stream("shopee-shop", seed, shop_index).randrange(10**8, 10**9))


def _pick_share(rng: random.Random) -> str:
    draw, total = rng.random(), 0.0
    for name, share in SHOPEE_SHARES:
        total += share
        if draw < total:
            return name
    return SHOPEE_SHARES[-1][0]


def _drift(rng: random.Random) -> float:
    draw, total = rng.random(), 0.0
    for drift, share in _PRICE_DRIFT:
        total += share
        if draw < total:
            return drift
    return 0.0


def _reword(rng: random.Random, title: str) -> str:
    """The same product's title as typed again on Shopee."""
    words = title.split()
    if len(words) > 3 and rng.random() < 0.5:
        i = rng.randrange(1, len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    text = " ".join(words)
    if rng.random() < 0.3:
        text = text.upper()
    return (rng.choice(_TITLE_PREFIXES) + text + rng.choice(_TITLE_SUFFIXES))[:120]


def _messy_sku(rng: random.Random, sku: str) -> str:
    draw = rng.random()
    if draw < 0.1:
        return sku.lower()
    if draw < 0.15:
        return f" {sku} "
    return sku


def _variant(sku: dict[str, Any]) -> str:
    values = [attribute["value_name"] for attribute in sku.get("sales_attributes", [])]
    return ",".join(values)


def _item(
    rng: random.Random, item_id: int, body: dict[str, Any], how: str, status: str
) -> dict[str, Any]:
    """One Shopee item (base info plus its models) from a TikTok product body."""
    drift = _drift(rng)
    models = []
    for position, sku in enumerate(body["skus"]):
        sale = (sku.get("price") or {}).get("sale_price") or "0"
        price = max(500, round(int(sale or 0) * (1 + drift) / 100) * 100)
        stock = sum(max(0, i["quantity"]) for i in sku.get("inventory", []))
        if rng.random() < 0.35:
            stock = max(0, stock + rng.randint(-30, 30))
        if how == "sku":
            seller_sku = _messy_sku(rng, sku["seller_sku"])
        else:
            seller_sku = f"SP{item_id % 10**6:06d}{position:02d}"
        models.append(
            {
                "model_id": item_id * 100 + position + 1,
                "model_sku": seller_sku,
                "model_name": _variant(sku),
                "price": price,
                "original_price": price,
                "stock": stock,
            }
        )
    title = body["title"] if how == "sku" else _reword(rng, body["title"])
    if how == "sku" and rng.random() < 0.3:
        title = _reword(rng, title)
    first_sku = body["skus"][0]["seller_sku"]
    parent = "-"
    if how == "sku" and rng.random() < 0.6:
        parent = first_sku.split("-")[0] + "-" + first_sku.split("-")[1]
    return _base_item(rng, item_id, title, parent, status, body, models)


def _base_item(
    rng: random.Random,
    item_id: int,
    title: str,
    parent: str,
    status: str,
    body: dict[str, Any],
    models: list[dict[str, Any]],
) -> dict[str, Any]:
    has_model = any(model["model_name"] for model in models)
    created = body["create_time"] + rng.randint(0, 90 * 86_400)
    weight = body.get("package_weight") or {}
    grams = float(weight.get("value") or 0) * (
        1000 if weight.get("unit") == "KILOGRAM" else 1
    )
    return {
        "item_id": item_id,
        "item_name": title,
        "item_sku": parent if has_model else (models[0]["model_sku"] or "-"),
        "category_id": 100_000 + int(body["category_chains"][-1]["id"]) % 90_000
        if body.get("category_chains")
        else 100_001,
        "item_status": status,
        "create_time": min(created, CATALOG_END - 86_400),
        "update_time": min(created + rng.randint(0, 400 * 86_400), CATALOG_END),
        "weight": f"{grams / 1000:.2f}",
        "brand": {
            "brand_id": int(body["brand"]["id"][-6:]) if body.get("brand") else 0,
            "original_brand_name": (body.get("brand") or {}).get("name", "NoBrand"),
        },
        "has_model": has_model,
        "deboost": rng.choice(("FALSE", "false")),
        "image": {
            "image_url_list": [
                f"https://down-id.img.susercontent.com/file/id-{item_id:x}{n}"
                for n in range(len(body.get("main_images") or []))
            ]
        },
        "_models": models,
    }


def shopee_catalog(
    size: int, seed: int, shop_index: int = 0
) -> tuple[list[dict[str, Any]], list[dict]]:
    """The Shopee items (with `_models`) and the true pairing.

    The twin of `generate_catalog(size, seed, shop_index)`: shop `shop_index`
    (0-based) of an emulator serving several shops.
    """
    catalog = generate_catalog(size, seed, shop_index)
    rng = _stream("shopee", seed, shop_index, size)
    items, truth = [], []
    next_id = 20_000_000_000 + rng.randrange(10**6)
    for record in catalog.records:
        how = _pick_share(rng)
        body = catalog.body(record.index)
        if how == "title" and not body["title"]:
            how = "none"  # nothing to find it by
        if how == "none":
            truth.append(
                {
                    "tiktok_product_id": record.id,
                    "shopee_item_id": None,
                    "method": "none",
                }
            )
            continue
        next_id += rng.randint(1, 5000)
        status = _STATUS[record.tiktok_status]
        if rng.random() < 0.08:
            status = rng.choice(("NORMAL", "UNLIST"))
        items.append(_item(rng, next_id, body, how, status))
        truth.append(
            {
                "tiktok_product_id": record.id,
                "shopee_item_id": str(next_id),
                "method": how,
            }
        )
    # Shopee-only items: products of another catalog the seller never put on TikTok.
    others = generate_catalog(
        max(1, round(size * SHOPEE_ONLY_SHARE)), seed + 10_007, shop_index
    )
    for record in others.records:
        next_id += rng.randint(1, 5000)
        body = others.body(record.index)
        if not body["title"]:
            continue
        items.append(_item(rng, next_id, body, "shopee_only", "NORMAL"))
        truth.append(
            {
                "tiktok_product_id": None,
                "shopee_item_id": str(next_id),
                "method": "none",
            }
        )
    return items, truth


def shopee_ground_truth(
    size: int, seed: int, shop_index: int = 0
) -> list[dict[str, Any]]:
    """The true pairing: `tiktok_product_id`, `shopee_item_id`, `method`.

    `method` is how the pair should be found: `sku`, `title`, or `none` (one side
    only; the other id is None).
    """
    return shopee_catalog(size, seed, shop_index)[1]


def _envelope(response: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    # Real responses say "-" as often as "" for "no error".
    blank = rng.choice(("", "-"))
    return {
        "error": blank,
        "message": blank,
        "warning": blank,
        "request_id": f"{rng.getrandbits(128):032x}",
        "response": response,
    }


def _price_info(price: int, original: int) -> list[dict[str, Any]]:
    return [{"currency": "IDR", "current_price": price, "original_price": original}]


def _stock_info(stock: int) -> dict[str, Any]:
    return {"summary_info": {"total_reserved_stock": 0, "total_available_stock": stock}}


def _write_api(items: list[dict[str, Any]], out: Path, rng: random.Random) -> None:
    for page, start in enumerate(range(0, max(1, len(items)), ITEM_LIST_PAGE)):
        chunk = items[start : start + ITEM_LIST_PAGE]
        more = start + ITEM_LIST_PAGE < len(items)
        response = {
            "item": [
                {
                    "item_id": i["item_id"],
                    "item_status": i["item_status"],
                    "update_time": i["update_time"],
                }
                for i in chunk
            ],
            "total_count": len(items),
            "has_next_page": more,
            "next_offset": start + len(chunk) if more else 0,
        }
        _dump(out / f"get_item_list_{page:04d}.json", _envelope(response, rng))
    for batch, start in enumerate(range(0, len(items), BASE_INFO_BATCH)):
        item_list = []
        for item in items[start : start + BASE_INFO_BATCH]:
            public = {k: v for k, v in item.items() if k != "_models"}
            if not item["has_model"]:
                model = item["_models"][0]
                public["price_info"] = _price_info(
                    model["price"], model["original_price"]
                )
                public["stock_info_v2"] = _stock_info(model["stock"])
            item_list.append(public)
        _dump(
            out / f"get_item_base_info_{batch:04d}.json",
            _envelope({"item_list": item_list}, rng),
        )
    for item in items:
        if not item["has_model"]:
            continue
        models = [
            {
                "model_id": model["model_id"],
                "model_sku": model["model_sku"],
                "model_name": model["model_name"],
                "model_status": "MODEL_NORMAL",
                "price_info": _price_info(model["price"], model["original_price"]),
                "stock_info_v2": _stock_info(model["stock"]),
            }
            for model in item["_models"]
        ]
        _dump(
            out / f"get_model_list_{item['item_id']}.json",
            _envelope({"tier_variation": [], "model": models}, rng),
        )


def _dump(path: Path, body: dict[str, Any]) -> None:
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


MASS_UPDATE_KEYS = (
    "et_title_product_id",
    "et_title_product_name",
    "et_title_variation_id",
    "et_title_variation_name",
    "et_title_parent_sku",
    "et_title_variation_sku",
    "et_title_variation_price",
    "et_title_variation_stock",
)
MASS_UPDATE_LABELS = {
    "id": (
        "Kode Produk",
        "Nama Produk",
        "Kode Variasi",
        "Nama Variasi",
        "SKU Induk",
        "SKU",
        "Harga",
        "Stok",
    ),
    "en": (
        "Product ID",
        "Product Name",
        "Variation ID",
        "Variation Name",
        "Parent SKU",
        "SKU",
        "Price",
        "Stock",
    ),
}


def write_mass_update_xlsx(
    rows: list[tuple[Any, ...]], path: Path, language: str = "id"
) -> Path:
    """Write data rows as a Seller Centre mass-update sales-info export."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(list(MASS_UPDATE_KEYS))
    sheet.append(["sales_info", None, None, None, None, None, None, None])
    sheet.append(list(MASS_UPDATE_LABELS[language]))
    sheet.append(["Wajib" if language == "id" else "Mandatory"] * 8)
    sheet.append([None] * 8)
    sheet.append([None] * 8)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def _write_xlsx(
    items: list[dict[str, Any]], out: Path, shop_id: str, language: str
) -> Path:
    rows = []
    for item in items:
        for position, model in enumerate(item["_models"]):
            first = position == 0
            parent = item["item_sku"] if item["has_model"] else None
            rows.append(
                (
                    str(item["item_id"]),
                    item["item_name"] if first else None,
                    str(model["model_id"]) if item["has_model"] else None,
                    model["model_name"] or None,
                    (parent if parent != "-" else None) if first else None,
                    model["model_sku"],
                    model["price"],
                    model["stock"],
                )
            )
    stamp = datetime.fromtimestamp(CATALOG_END, UTC).strftime("%Y%m%d%H%M%S")
    path = out / f"mass_update_sales_info_{shop_id}_{stamp}.xlsx"
    return write_mass_update_xlsx(rows, path, language)


def write_shopee_catalog(
    size: int,
    seed: int,
    out_dir: str | Path,
    form: str = "api",
    language: str = "id",
    shop_index: int = 0,
) -> Path:
    """Write the Shopee catalog as saved API responses or an xlsx export.

    The catalog is the twin of TikTok shop `shop_index` for (size, seed). Returns
    the folder of responses (`form="api"`) or the xlsx file.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items, _ = shopee_catalog(size, seed, shop_index)
    if form == "xlsx":
        path = _write_xlsx(items, out, shopee_shop_id(seed, shop_index), language)
    else:
        _write_api(items, out, _stream("shopee-envelope", seed, shop_index))
        path = out
    logger.info(
        "wrote %d Shopee items (%s) of shop %d to %s",
        len(items),
        form,
        shop_index,
        path,
    )
    return path
