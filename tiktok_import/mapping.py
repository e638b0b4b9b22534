"""Raw Partner API bodies in, typed polars tables out (docs/schema.md).

The mapping functions are pure: they take response bodies (NDJSON bytes, strings or
already-parsed dicts) and return DataFrames. Only `map_run` touches the disk: it reads
a run folder's raw files and writes `tables/products.parquet` and `tables/skus.parquet`.
Bodies are parsed by polars against an explicit schema, then shaped with expressions,
so that a million products map in seconds.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from .errors import ConfigError
from .storage import RunFolder, resolve_run_folder

log = logging.getLogger(__name__)

__all__ = [
    "PLATFORM",
    "PRODUCTS_SCHEMA",
    "SKUS_SCHEMA",
    "latest_per_product",
    "map_products",
    "map_run",
    "map_skus",
    "map_tables",
    "parse_product_bodies",
    "parse_search_pages",
    "read_tables",
]

PLATFORM = "tiktok"
PRICE = pl.Decimal(18, 2)
TIMESTAMP = pl.Datetime("us", "UTC")

PRODUCTS_SCHEMA: dict[str, pl.DataType] = {
    "platform": pl.Utf8(),
    "shop_id": pl.Utf8(),
    "product_id": pl.Utf8(),
    "title": pl.Utf8(),
    "description_html": pl.Utf8(),
    "description_text": pl.Utf8(),
    "status": pl.Utf8(),
    "tokopedia_status": pl.Utf8(),
    "listing": pl.Utf8(),
    "category_id": pl.Utf8(),
    "category_path": pl.Utf8(),
    "category_is_leaf": pl.Boolean(),
    "brand": pl.Utf8(),
    "sku_count": pl.Int32(),
    "min_price": PRICE,
    "max_price": PRICE,
    "currency": pl.Utf8(),
    "total_stock": pl.Int64(),
    "image_count": pl.Int32(),
    "main_image_url": pl.Utf8(),
    "weight_kg": pl.Float64(),
    "length_cm": pl.Float64(),
    "width_cm": pl.Float64(),
    "height_cm": pl.Float64(),
    "create_time": TIMESTAMP,
    "update_time": TIMESTAMP,
    "audit_status": pl.Utf8(),
    "run_id": pl.Utf8(),
    # TikTok-only additions that validation reads.
    "image_urls": pl.List(pl.Utf8()),
    "source": pl.Utf8(),
}

SKUS_SCHEMA: dict[str, pl.DataType] = {
    "platform": pl.Utf8(),
    "shop_id": pl.Utf8(),
    "product_id": pl.Utf8(),
    "sku_id": pl.Utf8(),
    "seller_sku": pl.Utf8(),
    "variant": pl.Utf8(),
    "price": PRICE,
    "currency": pl.Utf8(),
    "list_price": PRICE,
    "stock": pl.Int64(),
    "warehouse_count": pl.Int32(),
    "identifier_code": pl.Utf8(),
    "identifier_type": pl.Utf8(),
    "run_id": pl.Utf8(),
    # TikTok-only addition: summing warehouses can hide one that is below zero.
    "min_warehouse_stock": pl.Int64(),
}

# Unit names as TikTok sends them; anything else maps to null with a warning.
_KG_PER_UNIT = {
    "GRAM": 0.001,
    "KILOGRAM": 1.0,
    "POUND": 0.45359237,
    "OUNCE": 0.028349523125,
}
_CM_PER_UNIT = {
    "MILLIMETER": 0.1,
    "CENTIMETER": 1.0,
    "METER": 100.0,
    "INCH": 2.54,
    "FOOT": 30.48,
}

# The parts of a product body this package reads; polars ignores every other field.
# One shape serves both sources: Search Products returns a subset of Get Product.
_URLS = pl.List(pl.Utf8())
_SKU = pl.Struct(
    {
        "id": pl.Utf8(),
        "seller_sku": pl.Utf8(),
        "price": pl.Struct({"currency": pl.Utf8(), "sale_price": pl.Utf8()}),
        "list_price": pl.Struct({"amount": pl.Utf8(), "currency": pl.Utf8()}),
        "inventory": pl.List(
            pl.Struct({"warehouse_id": pl.Utf8(), "quantity": pl.Int64()})
        ),
        "identifier_code": pl.Struct({"code": pl.Utf8(), "type": pl.Utf8()}),
        "sales_attributes": pl.List(
            pl.Struct({"name": pl.Utf8(), "value_name": pl.Utf8()})
        ),
    }
)
_PRODUCT = pl.Struct(
    {
        "id": pl.Utf8(),
        "title": pl.Utf8(),
        "description": pl.Utf8(),
        # Get Product names it `status`; its OpenAPI description also lists
        # `product_status`. Either may carry the TikTok Shop status.
        "status": pl.Utf8(),
        "product_status": pl.Utf8(),
        "integrated_platform_statuses": pl.List(
            pl.Struct({"platform": pl.Utf8(), "status": pl.Utf8()})
        ),
        "category_chains": pl.List(
            pl.Struct(
                {
                    "id": pl.Utf8(),
                    "parent_id": pl.Utf8(),
                    "local_name": pl.Utf8(),
                    "is_leaf": pl.Boolean(),
                }
            )
        ),
        "brand": pl.Struct({"id": pl.Utf8(), "name": pl.Utf8()}),
        "main_images": pl.List(pl.Struct({"uri": pl.Utf8(), "urls": _URLS})),
        "package_weight": pl.Struct({"value": pl.Utf8(), "unit": pl.Utf8()}),
        "package_dimensions": pl.Struct(
            {
                "length": pl.Utf8(),
                "width": pl.Utf8(),
                "height": pl.Utf8(),
                "unit": pl.Utf8(),
            }
        ),
        "skus": pl.List(_SKU),
        "create_time": pl.Int64(),
        "update_time": pl.Int64(),
        "audit": pl.Struct({"status": pl.Utf8()}),
    }
)
_DETAIL_BODY = {"code": pl.Int64(), "data": _PRODUCT}
_SEARCH_BODY = {"code": pl.Int64(), "data": pl.Struct({"products": pl.List(_PRODUCT)})}

Bodies = bytes | str | Iterable[Mapping[str, Any] | str | bytes]


def _ndjson(bodies: Bodies) -> bytes:
    if isinstance(bodies, bytes):
        return bodies
    if isinstance(bodies, str):
        return bodies.encode()
    lines = []
    for body in bodies:
        if isinstance(body, bytes):
            lines.append(body)
        elif isinstance(body, str):
            lines.append(body.encode())
        else:
            lines.append(json.dumps(body, ensure_ascii=False).encode())
    return b"\n".join(lines)


def _read(bodies: Bodies, schema: dict[str, pl.DataType], what: str) -> pl.DataFrame:
    data = _ndjson(bodies)
    # Splitting lines, then decoding them against the schema, is several times
    # faster than read_ndjson on Get Product bodies (polars 2.1, where read_lines
    # is marked unstable).
    lines = pl.read_lines(data, name="body") if data.strip() else None
    if lines is None or lines.height == 0:
        return pl.DataFrame(schema=schema)
    try:
        decoded = lines.filter(pl.col("body").str.strip_chars() != "").select(
            pl.col("body").str.json_decode(pl.Struct(schema))
        )
        # Unnest the frame, not the expression (struct.unnest() in an expression
        # decodes the JSON once per field), and into one chunk: gathers and list
        # ops over the many small chunks read_lines makes are several times slower.
        return decoded.unnest("body").rechunk()
    except (pl.exceptions.PolarsError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ConfigError(
            f"{what} do not have the published shape ({first_line}); expected one "
            "JSON response body per line"
        ) from None


def parse_product_bodies(bodies: Bodies) -> pl.DataFrame:
    """Get Product response bodies to one raw row per product (API field names)."""
    frame = _read(bodies, _DETAIL_BODY, "Get Product bodies")
    frame = frame.filter(pl.col("data").is_not_null())
    return frame.select(pl.col("data").struct.unnest(), source=pl.lit("get_product"))


def parse_search_pages(pages: Bodies) -> pl.DataFrame:
    """Search Products response bodies to one raw row per listed product."""
    frame = _read(pages, _SEARCH_BODY, "Search Products pages")
    products = (
        frame.select(products=pl.col("data").struct.field("products"))
        .explode("products")
        .filter(pl.col("products").is_not_null())
    )
    return products.select(pl.col("products").struct.unnest(), source=pl.lit("search"))


def latest_per_product(raw: pl.DataFrame) -> pl.DataFrame:
    """One row per product id, sorted by id; the latest `update_time` wins.

    On equal update times the later line wins.
    """
    keys = raw.select("id", "update_time").with_row_index("_line")
    if keys.get_column("id").n_unique() < keys.height:
        keys = keys.sort(["update_time", "_line"], nulls_last=False).unique(
            subset="id", keep="last"
        )
    # Order a narrow frame, then gather the wide one once.
    return raw.select(pl.all().gather(keys.sort("id").get_column("_line")))


def _decimal(expr: pl.Expr) -> pl.Expr:
    # Decimal strings as the API sends them; anything unparseable becomes null.
    return expr.str.strip_chars().cast(PRICE, strict=False)


def _timestamp(expr: pl.Expr) -> pl.Expr:
    return (expr * 1_000_000).cast(TIMESTAMP)


# Runs of tags (script and style elements whole) and whitespace, in one pass.
_TAGS_AND_SPACE = (
    r"(?is)(?:<(?:script|style)\b.*?</(?:script|style)\s*>|<!--.*?-->|<[^>]*>|\s)+"
)
_ENTITIES = {
    "&lt;": "<",
    "&gt;": ">",
    "&quot;": '"',
    "&#39;": "'",
    "&apos;": "'",
    "&amp;": "&",
}


def _html_to_text(expr: pl.Expr) -> pl.Expr:
    # Tags become spaces; only the common named entities are decoded. A no-break
    # space goes first so that it joins the whitespace run it belongs to.
    return (
        expr.str.replace_all("&nbsp;", " ", literal=True)
        .str.replace_all(_TAGS_AND_SPACE, " ")
        .str.replace_many(list(_ENTITIES), list(_ENTITIES.values()))
        .str.strip_chars()
    )


def _unit_factor(unit: pl.Expr, table: dict[str, float]) -> pl.Expr:
    return (
        unit.str.strip_chars()
        .str.to_uppercase()
        .replace_strict(table, default=None, return_dtype=pl.Float64)
    )


def _measure(value: pl.Expr, factor: pl.Expr) -> pl.Expr:
    return value.str.strip_chars().cast(pl.Float64, strict=False) * factor


def _unknown_units(raw: pl.DataFrame) -> dict[str, set[str]]:
    """Weight and dimension units the tables do not know, per column."""
    found = {}
    for column, table in (
        ("package_weight", _KG_PER_UNIT),
        ("package_dimensions", _CM_PER_UNIT),
    ):
        units = raw.get_column(column).struct.field("unit").drop_nulls()
        found[column] = set(units.str.strip_chars().str.to_uppercase().to_list())
        found[column] -= set(table)
    return found


def _warn_unknown_units(unknown: Mapping[str, set[str]]) -> None:
    for column, units in unknown.items():
        if units:
            log.warning(
                "unknown %s unit(s) %s: those values are left null",
                column,
                ", ".join(sorted(units)),
            )


def _categories(raw: pl.DataFrame) -> pl.DataFrame:
    """Leaf id, `A > B > C` path and leaf flag per product row (`_row`)."""
    chain = pl.col("category_chains")
    node = pl.element().struct
    in_order = chain.list.eval(
        (node.field("parent_id") == node.field("id").shift(1))
        | (pl.int_range(pl.len()) == 0)
    ).list.all()
    # The chain usually runs from the root to the leaf; read it as it is.
    fast = raw.select(
        "_row",
        _in_order=in_order,
        category_id=chain.list.last().struct.field("id"),
        category_path=pl.when(chain.list.len() > 0).then(
            chain.list.eval(
                pl.coalesce(node.field("local_name"), node.field("id"))
            ).list.join(" > ")
        ),
        category_is_leaf=chain.list.last().struct.field("is_leaf"),
    )
    unordered = fast.filter(~pl.col("_in_order").fill_null(True))
    fast = fast.drop("_in_order")
    if unordered.height == 0:
        return fast
    rows = raw.join(unordered.select("_row"), on="_row")
    return fast.update(_ordered_by_parents(rows), on="_row")


def _ordered_by_parents(raw: pl.DataFrame) -> pl.DataFrame:
    """`_categories` for chains not in root-to-leaf order: sort nodes by depth."""
    nodes = (
        raw.select("_row", chain=pl.col("category_chains"))
        .explode("chain")
        .filter(pl.col("chain").is_not_null())
        .with_columns(_pos=pl.int_range(pl.len()).over("_row"))
        .unnest("chain")
    )
    nodes = nodes.join(_depths(nodes), on=["_row", "id"], how="left").sort(
        ["_row", "_depth", "_pos"]
    )
    name = pl.coalesce("local_name", "id")
    return nodes.group_by("_row", maintain_order=True).agg(
        category_id=pl.col("id").last(),
        category_path=name.str.join(" > "),
        category_is_leaf=pl.col("is_leaf").last(),
    )


def _depths(nodes: pl.DataFrame, max_depth: int = 32) -> pl.DataFrame:
    """How many of a node's ancestors are in its own chain (its depth)."""
    links = nodes.select("_row", _cur="id", _next="parent_id")
    frontier = nodes.select("_row", "id", _cur="parent_id")
    depth = nodes.select("_row", "id", _depth=pl.lit(0, pl.Int32))
    for _ in range(max_depth):
        frontier = frontier.join(links, on=["_row", "_cur"]).select(
            "_row", "id", _cur="_next"
        )
        if frontier.height == 0:
            break
        step = frontier.group_by("_row", "id").len()
        depth = (
            depth.join(step, on=["_row", "id"], how="left")
            .with_columns(_depth=pl.col("_depth") + pl.col("len").fill_null(0))
            .drop("len")
        )
    return depth.unique(["_row", "id"])


def _sku_rows(raw: pl.DataFrame, shop_id: str, run_id: str) -> pl.DataFrame:
    skus = (
        raw.select("_row", product_id="id", sku=pl.col("skus"))
        .explode("sku")
        .filter(pl.col("sku").is_not_null())
        .unnest("sku")
    )
    quantities = pl.col("inventory").list.eval(pl.element().struct.field("quantity"))
    attribute = pl.element().struct
    variant = pl.col("sales_attributes").list.eval(
        pl.concat_str(
            pl.coalesce(attribute.field("name"), pl.lit("")),
            pl.lit(": "),
            pl.coalesce(attribute.field("value_name"), pl.lit("")),
        )
    )
    seller_sku = pl.col("seller_sku").str.strip_chars()
    price = pl.col("price").struct
    return skus.select(
        "_row",
        platform=pl.lit(PLATFORM),
        shop_id=pl.lit(shop_id, pl.Utf8),
        product_id="product_id",
        sku_id="id",
        # An empty seller SKU means "none", not a value shared by every such SKU.
        seller_sku=pl.when(seller_sku != "").then(seller_sku),
        variant=pl.when(variant.list.len() > 0).then(variant.list.join(", ")),
        price=_decimal(price.field("sale_price")),
        currency=pl.coalesce(
            price.field("currency"), pl.col("list_price").struct.field("currency")
        ),
        list_price=_decimal(pl.col("list_price").struct.field("amount")),
        stock=quantities.list.sum(),
        warehouse_count=pl.col("inventory").list.len().cast(pl.Int32),
        identifier_code=pl.col("identifier_code").struct.field("code"),
        identifier_type=pl.col("identifier_code").struct.field("type"),
        run_id=pl.lit(run_id, pl.Utf8),
        min_warehouse_stock=quantities.list.min(),
    )


def _product_rows(
    raw: pl.DataFrame, skus: pl.DataFrame, shop_id: str, run_id: str
) -> pl.DataFrame:
    tokopedia = (
        pl.col("integrated_platform_statuses")
        .list.eval(
            pl.element()
            .filter(
                pl.element().struct.field("platform").str.to_uppercase() == "TOKOPEDIA"
            )
            .struct.field("status")
            .drop_nulls()
        )
        .list.first()
    )
    image_urls = pl.col("main_images").list.eval(
        pl.element().struct.field("urls").list.first()
    )
    weight = pl.col("package_weight").struct
    dims = pl.col("package_dimensions").struct
    cm = _unit_factor(dims.field("unit"), _CM_PER_UNIT)
    per_product = skus.group_by("_row").agg(
        min_price=pl.col("price").min(),
        max_price=pl.col("price").max(),
        currency=pl.col("currency").drop_nulls().first(),
        total_stock=pl.col("stock").sum(),
    )
    frame = (
        raw.join(_categories(raw), on="_row", how="left")
        .join(per_product, on="_row", how="left")
        .with_columns(
            status=pl.coalesce("status", "product_status"),
            tokopedia_status=tokopedia,
            image_urls=image_urls,
        )
    )
    on_tiktok = pl.col("status").is_not_null()
    on_tokopedia = pl.col("tokopedia_status").is_not_null()
    return frame.select(
        "_row",
        platform=pl.lit(PLATFORM),
        shop_id=pl.lit(shop_id, pl.Utf8),
        product_id="id",
        title="title",
        description_html="description",
        description_text=_html_to_text(pl.col("description")),
        status="status",
        tokopedia_status="tokopedia_status",
        listing=pl.when(on_tiktok & on_tokopedia)
        .then(pl.lit("both"))
        .when(on_tiktok)
        .then(pl.lit("tiktok_only"))
        .when(on_tokopedia)
        .then(pl.lit("tokopedia_only")),
        category_id="category_id",
        category_path="category_path",
        category_is_leaf="category_is_leaf",
        brand=pl.col("brand").struct.field("name"),
        sku_count=pl.col("skus").list.len().fill_null(0).cast(pl.Int32),
        min_price="min_price",
        max_price="max_price",
        currency="currency",
        total_stock="total_stock",
        image_count=pl.col("main_images").list.len().cast(pl.Int32),
        main_image_url=pl.col("image_urls").list.first(),
        weight_kg=_measure(
            weight.field("value"), _unit_factor(weight.field("unit"), _KG_PER_UNIT)
        ),
        length_cm=_measure(dims.field("length"), cm),
        width_cm=_measure(dims.field("width"), cm),
        height_cm=_measure(dims.field("height"), cm),
        create_time=_timestamp(pl.col("create_time")),
        update_time=_timestamp(pl.col("update_time")),
        audit_status=pl.col("audit").struct.field("status"),
        run_id=pl.lit(run_id, pl.Utf8),
        image_urls="image_urls",
        source="source",
    )


def _mapped(
    raw: pl.DataFrame, shop_id: str, run_id: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both tables for raw rows numbered by `_row`, in that order, `_row` kept."""
    skus = _sku_rows(raw, shop_id, run_id)
    products = _product_rows(raw, skus, shop_id, run_id)
    products = products.cast(PRODUCTS_SCHEMA).select("_row", *PRODUCTS_SCHEMA)
    skus = skus.cast(SKUS_SCHEMA).select("_row", *SKUS_SCHEMA)
    return products.sort("_row"), skus.sort("_row", maintain_order=True)


def map_tables(
    raw: pl.DataFrame, *, shop_id: str, run_id: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Raw product rows (from `parse_*`) to the products and SKUs tables.

    Rows are first reduced to the latest version of each product; both tables come
    out sorted by product id (SKUs keep the API's order within a product).
    """
    raw = latest_per_product(raw).with_row_index("_row")
    _warn_unknown_units(_unknown_units(raw))
    products, skus = _mapped(raw, shop_id, run_id)
    return products.drop("_row"), skus.drop("_row")


def map_products(raw: pl.DataFrame, *, shop_id: str, run_id: str) -> pl.DataFrame:
    """The products table (one row per product) from raw product rows."""
    return map_tables(raw, shop_id=shop_id, run_id=run_id)[0]


def map_skus(raw: pl.DataFrame, *, shop_id: str, run_id: str) -> pl.DataFrame:
    """The SKUs table (one row per SKU) from raw product rows."""
    return map_tables(raw, shop_id=shop_id, run_id=run_id)[1]


def _blocks(path: Path, size: int) -> Iterator[bytes]:
    """The decompressed file in blocks of whole lines, about `size` bytes each."""
    with gzip.open(path, "rb") as stream:
        rest = b""
        while chunk := stream.read(size):
            chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            rest = chunk[cut:]
            if cut:
                yield chunk[:cut]
        if rest.strip():
            yield rest


# Decompressed bytes per block of raw lines parsed at once.
_BLOCK_BYTES = 32 << 20


def _parsed_blocks(
    path: Path, parse: Callable[[bytes], pl.DataFrame]
) -> Iterator[pl.DataFrame]:
    """The raw rows of a gzipped NDJSON file, one frame per block of lines.

    A million bodies never sit in memory as text: the next block is decompressed
    (zlib releases the GIL) while this one is parsed.
    """
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="gunzip") as pool:
            blocks = _blocks(path, _BLOCK_BYTES)
            pending = pool.submit(next, blocks, None)
            while (block := pending.result()) is not None:
                pending = pool.submit(next, blocks, None)
                yield parse(block)
    except FileNotFoundError:
        raise ConfigError(f"{path} is missing: the run folder is incomplete") from None
    except (OSError, EOFError) as exc:
        raise ConfigError(f"{path} is corrupt ({exc}): re-run the import") from None
    except ConfigError as exc:
        raise ConfigError(f"{path} is corrupt: {exc}; re-run the import") from None


def _parse_file(path: Path, parse: Callable[[bytes], pl.DataFrame]) -> pl.DataFrame:
    frames = list(_parsed_blocks(path, parse))
    if not frames:
        return parse(b"")
    return pl.concat(frames).rechunk()


def open_complete_run(run_folder: str | Path) -> tuple[RunFolder, dict[str, Any]]:
    """The run folder and its manifest, refusing a run that did not complete."""
    if not str(run_folder).strip():
        raise ConfigError(
            "run_folder is empty: pass the folder written by the import "
            "(outputs/<run_id>)"
        )
    if not Path(run_folder).is_dir():
        raise ConfigError(
            f"run folder {run_folder} does not exist: pass a folder written by the "
            "import (outputs/<run_id>)"
        )
    run = resolve_run_folder(run_folder)
    return run, run.read_manifest()


# Products per slice of the final sort: what one slice holds in memory (~5 KB per
# product with its description) bounds the peak, whatever the size of the run.
_SLICE_ROWS = 40_000


def map_run(
    run_folder: str | Path, *, tables_dir: str | Path | None = None
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Map a run folder's raw files offline and write its products and SKUs tables.

    Uses the Get Product bodies when the run fetched details, else the products in
    the search pages. Writes `products.parquet` and `skus.parquet` into `tables_dir`
    (default: the run's `tables/`) and returns them as `(products, skus)` lazy
    frames. The products table has no `quality_ok`/`quality_issues` until the run
    is validated (again).

    Memory stays bounded however large the run: blocks of raw lines are mapped and
    spilled to a scratch folder, then the tables are written sorted by product id
    one slice of ids at a time.
    """
    run, manifest = open_complete_run(run_folder)
    shop_id = str((manifest.get("shop") or {}).get("id") or "")
    run_id = str(manifest.get("run_id") or run.path.name)
    fetch_details = bool((manifest.get("parameters") or {}).get("fetch_details", True))
    if fetch_details:
        source, parse = run.raw("products.jsonl.gz"), parse_product_bodies
    else:
        source, parse = run.raw("search_pages.jsonl.gz"), parse_search_pages
    tables = Path(tables_dir) if tables_dir is not None else run.path / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".mapping-", dir=tables) as scratch:
        keys = _spill_blocks(source, parse, Path(scratch), shop_id, run_id)
        log.info("mapped %d product bodies from %s", keys.height, source)
        kept = latest_per_product(keys)
        written = {
            name: _write_sorted(Path(scratch), name, kept, keys.height)
            for name in ("products", "skus")
        }
        for name, path in written.items():
            os.replace(path, tables / f"{name}.parquet")
    log.info("wrote %d products to %s", kept.height, tables)
    return (
        pl.scan_parquet(tables / "products.parquet"),
        pl.scan_parquet(tables / "skus.parquet"),
    )


def _spill_blocks(
    source: Path,
    parse: Callable[[bytes], pl.DataFrame],
    scratch: Path,
    shop_id: str,
    run_id: str,
) -> pl.DataFrame:
    """Map each block of raw lines into `scratch`; the (id, update_time, _row) keys.

    Every row is mapped, duplicates included; `_row` numbers the rows across the
    whole file, so the latest version of each product can be chosen afterwards.
    Each spilled part is sorted by product id, in small row groups, so that a slice
    of ids reads only the row groups that hold it.
    """
    keys = []
    unknown: dict[str, set[str]] = {}
    rows = 0
    for number, raw in enumerate(_parsed_blocks(source, parse)):
        raw = raw.with_row_index("_row", offset=rows)
        rows += raw.height
        keys.append(raw.select("id", "update_time", "_row"))
        for column, units in _unknown_units(raw).items():
            unknown.setdefault(column, set()).update(units)
        for name, table in zip(
            ("products", "skus"), _mapped(raw, shop_id, run_id), strict=True
        ):
            table.sort("product_id", "_row", maintain_order=True).write_parquet(
                scratch / f"{name}-{number:06d}.parquet", row_group_size=2_000
            )
    _warn_unknown_units(unknown)
    if not keys:
        return pl.DataFrame(
            schema={"id": pl.Utf8, "update_time": pl.Int64, "_row": pl.UInt32}
        )
    return pl.concat(keys)


def _write_sorted(scratch: Path, name: str, kept: pl.DataFrame, rows: int) -> Path:
    """One table from its spilled parts: latest rows only, sorted by product id.

    Written one slice of product ids at a time, so that only a slice is ever
    sorted in memory.
    """
    schema = {"products": PRODUCTS_SCHEMA, "skus": SKUS_SCHEMA}[name]
    out = scratch / f"{name}.parquet"
    parts = sorted(scratch.glob(f"{name}-*.parquet"))
    if kept.height == 0 or not parts:
        pl.DataFrame(schema=schema).write_parquet(out)
        return out
    wanted = pl.lit(True)
    if kept.height < rows:  # some products came more than once
        wanted = pl.col("_row").is_in(kept.get_column("_row").implode())
    # Null ids sort first (as in `latest_per_product`), then one slice per range.
    ids = kept.get_column("id")
    bounds = ids.drop_nulls().sort().gather_every(_SLICE_ROWS).to_list()[1:]
    product = pl.col("product_id")
    slices = [product.is_null()] if ids.null_count() else []
    for low, high in zip([None, *bounds], [*bounds, None], strict=True):
        since = pl.lit(True) if low is None else product >= low
        slices.append(since if high is None else since & (product < high))
    scan = pl.scan_parquet(parts)
    arrow_schema = pl.DataFrame(schema=schema).to_arrow().schema
    with pq.ParquetWriter(out, arrow_schema, compression="zstd") as sink:
        for rows_in in slices:
            frame = (
                scan.filter(rows_in & wanted)
                .sort("product_id", "_row", maintain_order=True, nulls_last=False)
                .drop("_row")
                .collect()
            )
            if frame.height:
                sink.write_table(frame.to_arrow())
    return out


def read_tables(run_folder: str | Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The products and SKUs tables of a mapped run folder."""
    tables = Path(run_folder) / "tables"
    try:
        return (
            pl.read_parquet(tables / "products.parquet"),
            pl.read_parquet(tables / "skus.parquet"),
        )
    except FileNotFoundError:
        raise ConfigError(
            f"{tables} has no products/skus tables: map the run first (map_run)"
        ) from None
