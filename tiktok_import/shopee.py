"""The seller's Shopee catalog, read into the master schema (platform `shopee`).

Two inputs are read, both as analysts have them:

- Shopee Open Platform v2 product responses saved by a Shopee import: a folder of
  JSON files (one body, or a list of bodies) or JSON lines, holding get_item_list
  pages, get_item_base_info batches and get_model_list responses. A model list
  does not name its item: the item id is taken from the body's `item_id` (top
  level or in `response`) if the saver added it, else from the file name
  (`get_model_list_<item_id>.json`).
- Seller Centre "mass update" sales-info exports (xlsx): machine keys on row 0,
  localized labels (Indonesian or English) on row 2, data from row 6.

Column names and types follow the TikTok `products` and `skus` tables
(`tiktok_import.mapping`) for what both platforms have. A file that cannot be read
raises a one-line `ConfigError` naming the file and the fix.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from .errors import ConfigError
from .mapping import PRICE, PRODUCTS_SCHEMA, SKUS_SCHEMA, TIMESTAMP

logger = logging.getLogger(__name__)

__all__ = [
    "KINDS",
    "PLATFORM",
    "SHOPEE_PRODUCTS_SCHEMA",
    "SHOPEE_SKUS_SCHEMA",
    "ShopeeCatalog",
    "load_response_file",
    "read_api_folder",
    "read_api_responses",
    "read_mass_update_xlsx",
    "read_shopee",
]

PLATFORM = "shopee"
KINDS = ("api", "xlsx")
RESPONSE_SUFFIXES = (".json", ".jsonl", ".ndjson", ".txt")

_PRODUCT_COLUMNS = (
    "platform",
    "shop_id",
    "product_id",
    "title",
    "status",
    "category_id",
    "brand",
    "sku_count",
    "min_price",
    "max_price",
    "currency",
    "total_stock",
    "image_count",
    "main_image_url",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "create_time",
    "update_time",
    "run_id",
)
_SKU_COLUMNS = (
    "platform",
    "shop_id",
    "product_id",
    "sku_id",
    "seller_sku",
    "variant",
    "price",
    "currency",
    "list_price",
    "stock",
    "run_id",
)
SHOPEE_PRODUCTS_SCHEMA: dict[str, pl.DataType] = {
    name: PRODUCTS_SCHEMA[name] for name in _PRODUCT_COLUMNS
} | {"parent_sku": pl.Utf8(), "source": pl.Utf8()}
SHOPEE_SKUS_SCHEMA: dict[str, pl.DataType] = {
    name: SKUS_SCHEMA[name] for name in _SKU_COLUMNS
} | {"parent_sku": pl.Utf8()}

# Shopee fills "no value" text fields with "-" (item_sku, image urls, error).
_NONE_TEXT = {"", "-"}
_BRANDLESS = {"nobrand", "no brand", "0", "-", ""}


class ShopeeCatalog(NamedTuple):
    """The Shopee `products` and `skus` tables."""

    products: pl.DataFrame
    skus: pl.DataFrame


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text in _NONE_TEXT else text


def _bool(value: Any) -> bool | None:
    # Shopee sends some booleans as the strings "FALSE"/"false"/"TRUE".
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _number(value: Any) -> str | None:
    """A price as a plain decimal string, or None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().removeprefix("Rp").strip().replace(" ", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):  # Indonesian thousands: 125.000
        text = text.replace(".", "")
    elif re.fullmatch(r"\d+,\d{1,2}", text):  # decimal comma
        text = text.replace(",", ".")
    try:
        return str(Decimal(text))
    except InvalidOperation:
        return None


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(Decimal(str(value).strip().replace(".", "").replace(",", "")))
    except InvalidOperation:
        return None


def _float(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


# --- Open Platform responses -------------------------------------------------


def load_response_file(path: str | Path) -> list[dict[str, Any]]:
    """The response bodies in one saved file (JSON, a JSON list, or JSON lines).

    Raises:
        ConfigError: the file is missing or is not valid JSON.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} does not exist: pass a saved response file"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read as UTF-8 text ({exc})") from None
    if not text.strip():
        raise ConfigError(f"{path} is empty: save the response again or remove it")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as whole:
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            if len(lines) < 2:
                raise whole
            return [json.loads(line) for line in lines]
        except json.JSONDecodeError:
            raise ConfigError(
                f"{path} is not valid JSON (line {whole.lineno}, column "
                f"{whole.colno}: {whole.msg}; a trailing comma before '}}' or ']' is "
                "a common cause): fix the file or save the response again"
            ) from None
    return parsed if isinstance(parsed, list) else [parsed]


def _check_envelope(body: Any, where: str) -> dict[str, Any]:
    """The body's `response`, refusing error bodies and foreign shapes."""
    if not isinstance(body, dict):
        raise ConfigError(
            f"{where}: expected a Shopee response object, got {type(body).__name__}"
        )
    error = body.get("error")
    # Published samples say "error": "-" on a success; only other text is an error.
    if isinstance(error, str) and error.strip() not in _NONE_TEXT:
        request_id = body.get("request_id") or "-"
        raise ConfigError(
            f"{where} is a Shopee error response ({error}: "
            f"{body.get('message') or 'no message'}; request_id {request_id}), not "
            "product data: re-run the Shopee import or remove the file"
        )
    response = body.get("response")
    if not isinstance(response, dict):
        raise ConfigError(
            f"{where} has no 'response' object: expected a Shopee v2 product "
            "response (get_item_list, get_item_base_info or get_model_list)"
        )
    return response


def _model_item_id(body: dict[str, Any], response: dict[str, Any], path: Path) -> str:
    for value in (body.get("item_id"), response.get("item_id")):
        if value not in (None, ""):
            return str(value)
    found = re.findall(r"\d{3,}", path.stem)
    if found:
        return found[-1]
    raise ConfigError(
        f"{path}: a get_model_list response does not name its item; add 'item_id' "
        "to the saved body or name the file get_model_list_<item_id>.json"
    )


class _Responses:
    """get_item_list entries, base-info items and model lists by item id."""

    def __init__(self) -> None:
        self.listed: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.total_count: int | None = None
        self.more_pages = False

    def add(self, body: Any, path: Path, line: int) -> None:
        where = f"{path}" if line == 0 else f"{path} (body {line + 1})"
        response = _check_envelope(body, where)
        if isinstance(response.get("item"), list):
            for entry in response["item"]:
                self.listed[str(entry.get("item_id"))] = entry
            if response.get("total_count") is not None:
                self.total_count = _int(response["total_count"])
            self.more_pages = bool(_bool(response.get("has_next_page")))
        elif isinstance(response.get("item_list"), list):
            for item in response["item_list"]:
                key = str(item.get("item_id"))
                old = self.items.get(key)
                if old is None or (item.get("update_time") or 0) >= (
                    old.get("update_time") or 0
                ):
                    self.items[key] = item
        elif isinstance(response.get("model"), list):
            self.models[_model_item_id(body, response, path)] = response
        else:
            raise ConfigError(
                f"{where}: the response holds none of 'item', 'item_list' or "
                "'model': not a get_item_list, get_item_base_info or get_model_list "
                "response"
            )


def _response_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise ConfigError(
            f"Shopee source {folder} does not exist: pass the folder of saved "
            "Shopee API responses"
        )
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in RESPONSE_SUFFIXES
    )
    if not files:
        raise ConfigError(
            f"{folder} holds no {'/'.join(RESPONSE_SUFFIXES)} files: pass the folder "
            "of saved Shopee API responses"
        )
    return files


def _price_info(entries: Any) -> tuple[str | None, str | None, str | None]:
    """(currency, current price, original price) of a price_info list."""
    if not isinstance(entries, list) or not entries:
        return None, None, None
    first = entries[0] or {}
    return (
        _text(first.get("currency")),
        _number(first.get("current_price")),
        _number(first.get("original_price")),
    )


def _stock(info: Any) -> int | None:
    if not isinstance(info, dict):
        return None
    summary = info.get("summary_info") or {}
    return _int(summary.get("total_available_stock"))


def _variant(model: dict[str, Any], tiers: list[dict[str, Any]]) -> str | None:
    name = _text(model.get("model_name"))
    if name:
        return name
    parts = []
    for tier, position in zip(tiers, model.get("tier_index") or [], strict=False):
        options = tier.get("option_list") or []
        if isinstance(position, int) and 0 <= position < len(options):
            option = _text((options[position] or {}).get("option"))
            label = _text(tier.get("name"))
            if option:
                parts.append(f"{label}: {option}" if label else option)
    return ", ".join(parts) or None


def _item_rows(
    item: dict[str, Any], models: dict[str, Any] | None, shop_id: str, run_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    item_id = str(item.get("item_id"))
    parent_sku = _text(item.get("item_sku"))
    currency, price, original = _price_info(item.get("price_info"))
    skus = []
    if models is not None:
        tiers = models.get("tier_variation") or []
        for model in models.get("model") or []:
            m_currency, m_price, m_original = _price_info(model.get("price_info"))
            skus.append(
                {
                    "product_id": item_id,
                    "sku_id": str(model.get("model_id") or item_id),
                    "seller_sku": _text(model.get("model_sku")),
                    "variant": _variant(model, tiers),
                    "price": m_price,
                    "currency": m_currency or currency,
                    "list_price": m_original,
                    "stock": _stock(model.get("stock_info_v2")),
                }
            )
    elif not _bool(item.get("has_model")):
        skus.append(
            {
                "product_id": item_id,
                "sku_id": item_id,
                "seller_sku": parent_sku,
                "variant": None,
                "price": price,
                "currency": currency,
                "list_price": original,
                "stock": _stock(item.get("stock_info_v2")),
            }
        )
    for sku in skus:
        sku |= {
            "platform": PLATFORM,
            "shop_id": shop_id,
            "run_id": run_id,
            "parent_sku": parent_sku,
        }

    prices = [Decimal(s["price"]) for s in skus if s["price"] is not None]
    if not prices and price is not None:
        prices = [Decimal(price)]
    stocks = [s["stock"] for s in skus if s["stock"] is not None]
    urls = [
        url
        for url in ((item.get("image") or {}).get("image_url_list") or [])
        if _text(url)
    ]
    brand = item.get("brand") or {}
    brand_name = _text(brand.get("original_brand_name"))
    if brand.get("brand_id") in (0, "0") or (brand_name or "").lower() in _BRANDLESS:
        brand_name = None
    dimension = item.get("dimension") or {}
    product = {
        "platform": PLATFORM,
        "shop_id": shop_id,
        "product_id": item_id,
        "title": item.get("item_name"),
        "status": _text(item.get("item_status")),
        "category_id": _text(item.get("category_id")),
        "brand": brand_name,
        # Unknown (not 0) when the item has models whose list was not saved.
        "sku_count": None
        if models is None and _bool(item.get("has_model"))
        else len(skus),
        "min_price": str(min(prices)) if prices else None,
        "max_price": str(max(prices)) if prices else None,
        "currency": next((s["currency"] for s in skus if s["currency"]), currency),
        "total_stock": sum(stocks) if stocks else _stock(item.get("stock_info_v2")),
        "image_count": len(urls),
        "main_image_url": urls[0] if urls else None,
        "weight_kg": _float(item.get("weight")),
        "length_cm": _float(dimension.get("package_length")),
        "width_cm": _float(dimension.get("package_width")),
        "height_cm": _float(dimension.get("package_height")),
        "create_time": _int(item.get("create_time")),
        "update_time": _int(item.get("update_time")),
        "run_id": run_id,
        "parent_sku": parent_sku,
        "source": "get_item_base_info",
    }
    return product, skus


def _products_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    string_schema = SHOPEE_PRODUCTS_SCHEMA | {
        "min_price": pl.Utf8(),
        "max_price": pl.Utf8(),
        "create_time": pl.Int64(),
        "update_time": pl.Int64(),
    }
    frame = pl.DataFrame(rows, schema=string_schema)
    return frame.with_columns(
        pl.col("min_price", "max_price").cast(PRICE, strict=False),
        (pl.col("create_time", "update_time") * 1_000_000).cast(TIMESTAMP),
    ).sort("product_id")


def _skus_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    string_schema = SHOPEE_SKUS_SCHEMA | {"price": pl.Utf8(), "list_price": pl.Utf8()}
    frame = pl.DataFrame(rows, schema=string_schema)
    return frame.with_columns(pl.col("price", "list_price").cast(PRICE, strict=False))


def read_api_responses(
    files: Iterable[str | Path], *, shop_id: str = "", run_id: str = ""
) -> ShopeeCatalog:
    """Map saved Shopee v2 product responses (files) to products and SKUs tables.

    Raises:
        ConfigError: a file is not valid JSON, is an error response, or is not a
            Shopee product response.
    """
    responses = _Responses()
    for file in files:
        path = Path(file)
        for line, body in enumerate(load_response_file(path)):
            responses.add(body, path, line)

    products, skus = [], []
    for item_id, item in responses.items.items():
        models = responses.models.get(item_id)
        if models is None and _bool(item.get("has_model")):
            logger.warning(
                "item %s has models but no get_model_list response: its SKUs are "
                "missing",
                item_id,
            )
        product, item_skus = _item_rows(item, models, shop_id, run_id)
        products.append(product)
        skus.extend(item_skus)
    listed_only = [key for key in responses.listed if key not in responses.items]
    if listed_only:
        logger.warning(
            "%d listed item(s) have no get_item_base_info body: only their id and "
            "status are known",
            len(listed_only),
        )
    for item_id in listed_only:
        entry = responses.listed[item_id]
        products.append(
            dict.fromkeys(SHOPEE_PRODUCTS_SCHEMA)
            | {
                "platform": PLATFORM,
                "shop_id": shop_id,
                "product_id": item_id,
                "status": _text(entry.get("item_status")),
                "sku_count": 0,
                "image_count": 0,
                "update_time": _int(entry.get("update_time")),
                "run_id": run_id,
                "source": "get_item_list",
            }
        )
    orphans = set(responses.models) - set(responses.items)
    if orphans:
        logger.warning(
            "%d get_model_list response(s) belong to no item in the base info: ignored",
            len(orphans),
        )
    listed = len(responses.listed)
    if responses.total_count is not None and (
        responses.more_pages or responses.total_count > listed
    ):
        logger.warning(
            "get_item_list reports %d items but the saved pages list %d: the item "
            "list is incomplete",
            responses.total_count,
            listed,
        )
    catalog = ShopeeCatalog(_products_frame(products), _skus_frame(skus))
    logger.info(
        "read %d Shopee products and %d SKUs",
        catalog.products.height,
        catalog.skus.height,
    )
    return catalog


def read_api_folder(
    folder: str | Path, *, shop_id: str = "", run_id: str = ""
) -> ShopeeCatalog:
    """Read every saved response (.json, .jsonl, .ndjson, .txt) under a folder."""
    folder = Path(folder)
    files = _response_files(folder)
    logger.info("reading %d Shopee response file(s) from %s", len(files), folder)
    return read_api_responses(files, shop_id=shop_id, run_id=run_id)


# --- Seller Centre mass-update export ------------------------------------------

KEY_ROW, LABEL_ROW, FIRST_DATA_ROW = 0, 2, 6
MACHINE_KEYS = {
    "et_title_product_id": "product_id",
    "et_title_product_name": "title",
    "et_title_variation_id": "variation_id",
    "et_title_variation_name": "variant",
    "et_title_parent_sku": "parent_sku",
    "et_title_variation_sku": "seller_sku",
    "et_title_variation_price": "price",
    "et_title_variation_stock": "stock",
}
LABELS = {
    "id": {
        "kode produk": "product_id",
        "nama produk": "title",
        "kode variasi": "variation_id",
        "nama variasi": "variant",
        "sku induk": "parent_sku",
        "sku": "seller_sku",
        "harga": "price",
        "stok": "stock",
    },
    "en": {
        "product id": "product_id",
        "product name": "title",
        "variation id": "variation_id",
        "variation name": "variant",
        "parent sku": "parent_sku",
        "sku": "seller_sku",
        "price": "price",
        "stock": "stock",
    },
}
_REQUIRED = ("product_id", "price", "stock")
_XLSX_ROW = dict.fromkeys(MACHINE_KEYS.values(), pl.Utf8()) | {"stock": pl.Int64()}


def _columns(rows: list[tuple[Any, ...]], path: Path) -> dict[str, int]:
    """Field -> column index, from the machine keys, else from the labels."""
    found: dict[str, int] = {}
    if len(rows) > KEY_ROW:
        for position, cell in enumerate(rows[KEY_ROW]):
            field = MACHINE_KEYS.get(str(cell or "").strip().lower())
            if field:
                found.setdefault(field, position)
    if len(rows) > LABEL_ROW:
        labels = [
            str(cell or "").strip().rstrip("*").strip().lower()
            for cell in rows[LABEL_ROW]
        ]
        for table in LABELS.values():
            for position, label in enumerate(labels):
                field = table.get(label)
                if field:
                    found.setdefault(field, position)
    missing = [field for field in _REQUIRED if field not in found]
    if missing:
        raise ConfigError(
            f"{path} is not a Shopee mass-update sales-info export: no column for "
            f"{', '.join(missing)} (row 1 should hold et_title_* keys, row 3 labels "
            "such as Kode Produk/Harga/Stok or Product ID/Price/Stock)"
        )
    return found


def _shop_id_from_name(path: Path) -> str:
    match = re.search(r"mass_update_\w*?_(\d+)_\d+", path.stem)
    return match.group(1) if match else ""


def read_mass_update_xlsx(
    path: str | Path,
    *,
    shop_id: str | None = None,
    currency: str = "IDR",
    run_id: str = "",
) -> ShopeeCatalog:
    """Map a Seller Centre mass-update sales-info export to products and SKUs.

    The export carries no currency or status: `currency` is the shop's, `status`
    stays null. `shop_id` defaults to the one in the file name.

    Raises:
        ConfigError: the file is missing, not an xlsx, or has no known columns.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist: pass a mass-update export") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ConfigError(
            f"{path} is not a readable xlsx workbook ({exc}): export it again from "
            "Seller Centre"
        ) from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    columns = _columns(rows, path)
    shop = shop_id if shop_id is not None else _shop_id_from_name(path)

    records = []
    for row in rows[FIRST_DATA_ROW:]:
        values = {
            field: (row[index] if index < len(row) else None)
            for field, index in columns.items()
        }
        if all(_text(value) is None for value in values.values()):
            continue
        records.append(
            {
                "product_id": _text(_id_text(values.get("product_id"))),
                "title": _text(values.get("title")),
                "variation_id": _text(_id_text(values.get("variation_id"))),
                "variant": _text(values.get("variant")),
                "parent_sku": _text(values.get("parent_sku")),
                "seller_sku": _text(values.get("seller_sku")),
                "price": _number(values.get("price")),
                "stock": _int(values.get("stock")),
            }
        )
    raw = pl.DataFrame(records, schema=_XLSX_ROW)
    # Continuation rows of a product leave its id, name and parent SKU blank.
    raw = raw.with_columns(pl.col("product_id", "title").forward_fill()).with_columns(
        parent_sku=pl.col("parent_sku").drop_nulls().first().over("product_id")
    )
    skus = raw.select(
        platform=pl.lit(PLATFORM),
        shop_id=pl.lit(shop, pl.Utf8),
        product_id="product_id",
        sku_id=pl.coalesce("variation_id", "product_id"),
        seller_sku=pl.coalesce(
            "seller_sku",
            pl.when(pl.col("variation_id").is_null()).then(pl.col("parent_sku")),
        ),
        variant="variant",
        price=pl.col("price").cast(PRICE, strict=False),
        currency=pl.lit(currency, pl.Utf8),
        list_price=pl.lit(None, PRICE),
        stock="stock",
        run_id=pl.lit(run_id, pl.Utf8),
        parent_sku="parent_sku",
    )
    products = skus.group_by("product_id", maintain_order=True).agg(
        sku_count=pl.len().cast(pl.Int32),
        min_price=pl.col("price").min(),
        max_price=pl.col("price").max(),
        total_stock=pl.col("stock").sum(),
        parent_sku=pl.col("parent_sku").first(),
    )
    titles = raw.group_by("product_id", maintain_order=True).agg(
        title=pl.col("title").drop_nulls().first()
    )
    products = products.join(titles, on="product_id", how="left").with_columns(
        platform=pl.lit(PLATFORM),
        shop_id=pl.lit(shop, pl.Utf8),
        currency=pl.lit(currency, pl.Utf8),
        image_count=pl.lit(None, pl.Int32),
        run_id=pl.lit(run_id, pl.Utf8),
        source=pl.lit("mass_update_xlsx"),
    )
    for name, dtype in SHOPEE_PRODUCTS_SCHEMA.items():
        if name not in products.columns:
            products = products.with_columns(pl.lit(None, dtype).alias(name))
    products = products.select(list(SHOPEE_PRODUCTS_SCHEMA)).cast(
        SHOPEE_PRODUCTS_SCHEMA
    )
    catalog = ShopeeCatalog(
        products.sort("product_id"),
        skus.cast(SHOPEE_SKUS_SCHEMA).select(list(SHOPEE_SKUS_SCHEMA)),
    )
    logger.info(
        "read %d Shopee products and %d SKUs from %s",
        catalog.products.height,
        catalog.skus.height,
        path,
    )
    return catalog


def _id_text(value: Any) -> Any:
    # Excel may hold ids as numbers: 34002.0 must read as "34002".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def read_shopee(
    source: str | Path, kind: str = "api", *, shop_id: str = "", run_id: str = ""
) -> ShopeeCatalog:
    """Read a Shopee catalog: `kind` "api" (a folder of responses) or "xlsx".

    For "xlsx", `source` is one export or a folder of them (concatenated).
    """
    if kind not in KINDS:
        raise ConfigError(
            f"shopee_kind must be one of {', '.join(KINDS)}, got {kind!r}"
        )
    if kind == "api":
        return read_api_folder(source, shop_id=shop_id, run_id=run_id)
    source = Path(source)
    files = sorted(source.glob("*.xlsx")) if source.is_dir() else [source]
    if not files:
        raise ConfigError(f"{source} holds no .xlsx files: pass a mass-update export")
    parts = [
        read_mass_update_xlsx(file, shop_id=shop_id or None, run_id=run_id)
        for file in files
    ]
    return ShopeeCatalog(
        pl.concat([part.products for part in parts]).unique(
            "product_id", keep="last", maintain_order=True
        ),
        pl.concat([part.skus for part in parts]).unique(
            ["product_id", "sku_id"], keep="last", maintain_order=True
        ),
    )
