"""The emulated seller's catalog, deterministic from (size, seed, shop index).

Generation is in two layers so that 100,000 products take well under a second:
`ProductRecord`s (id, times, listing, statuses, defect, vanishing) are drawn
eagerly, and a product's body (title, SKUs, images, ...) is rendered on demand
from its own seeded random stream and cached. Rendering the same product twice
gives the same body. Only `update_time` changes after generation (a seller
editing), and it lives in the mutable `Catalog`, never in the cached body.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import itertools
import json
import logging
import random
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from ..settings import DEFECT_KINDS
from .vocabulary import (
    ATTRIBUTE_IDS,
    AUDIT_FAILURES,
    CITIES,
    DESCRIPTION_LINES,
    LEAVES,
    SHOP_WORDS,
    Leaf,
)

logger = logging.getLogger(__name__)

# Catalog times end at a fixed instant (2026-11-01T00:00:00Z) so that a seed
# always gives the same catalog; edits made later carry the real clock.
CATALOG_END = 1_793_491_200
CATALOG_SPAN = 3 * 365 * 86_400
CURRENCY = "IDR"
REGION = "ID"

LISTING_SHARES = (("both", 0.60), ("tiktok_only", 0.25), ("tokopedia_only", 0.15))
STATUS_SHARES = (
    ("ACTIVATE", 0.82),
    ("SELLER_DEACTIVATED", 0.06),
    ("PLATFORM_DEACTIVATED", 0.03),
    ("PENDING", 0.04),
    ("DRAFT", 0.03),
    ("FAILED", 0.02),
)
QUALITY_TIERS = (("GOOD", 0.55), ("FAIR", 0.30), ("POOR", 0.15))
SAME_STATUS_ON_BOTH = 0.85
DEFECT_SHARE = 0.04
VANISH_SHARE = 0.01

_IMAGE_HOST = "https://p16-oec-sg.ibyteimg.com"
_IMAGE_BUCKET = "tos-alisg-i-aphluv4xwc-sg"
_MALFORMED_URL_FORMS = (
    "htps://{host}/{uri}.jpeg",
    "https//{host}/{uri}.jpeg",
    "//{host}/{uri}.jpeg",
    "https://{host} /{uri}.jpeg",
    "http://{host}/{uri}.jpeg",
)


class ProductRecord(NamedTuple):
    """What is decided about a product up front; its body is rendered later."""

    index: int
    id: str
    create_time: int
    update_time: int  # as generated; `Catalog.update_time` holds the current one
    listing: str  # both | tiktok_only | tokopedia_only
    tiktok_status: str | None  # None: not listed on TikTok Shop
    tokopedia_status: str | None  # None: not listed on Tokopedia
    quality_tier: str
    defect: str | None
    copies_sku_of: int  # duplicate_seller_sku: index whose SKU this one reuses, else -1
    vanishes: bool

    @property
    def audit_status(self) -> str:
        """The audit state that goes with the product's main status."""
        status = self.tiktok_status or self.tokopedia_status
        return {"PENDING": "AUDITING", "FAILED": "FAILED", "DRAFT": "NONE"}.get(
            status, "APPROVED"
        )

    def platform_statuses(self) -> dict[str, str]:
        """Status per listing platform (TIKTOK_SHOP, TOKOPEDIA) the product is on."""
        statuses = {}
        if self.tiktok_status:
            statuses["TIKTOK_SHOP"] = self.tiktok_status
        if self.tokopedia_status:
            statuses["TOKOPEDIA"] = self.tokopedia_status
        return statuses


class Filters(Protocol):
    """What `Catalog.matches` needs from a search's filters (see search.py)."""

    update_time_ge: int | None
    update_time_le: int | None

    @property
    def time_only(self) -> bool: ...

    def accepts(self, catalog: Catalog, record: ProductRecord) -> bool: ...


def _cumulative(shares: tuple[tuple[str, float], ...]) -> tuple[list[float], list[str]]:
    bounds = list(itertools.accumulate(share for _, share in shares))
    bounds[-1] = 1.0
    return bounds, [name for name, _ in shares]


_LISTINGS = _cumulative(LISTING_SHARES)
_STATUSES = _cumulative(STATUS_SHARES)
_TIERS = _cumulative(QUALITY_TIERS)


def _pick(rng: random.Random, table: tuple[list[float], list[str]]) -> str:
    bounds, names = table
    return names[bisect.bisect_right(bounds, rng.random())]


def _digits(text: str, count: int) -> str:
    """A stable string of `count` digits derived from `text`."""
    number = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest())
    return str(number)[-count:].rjust(count, "0")


def make_shop(seed: int, shop_index: int) -> dict[str, str]:
    """The authorized shop number `shop_index` (0-based) for a seed."""
    rng = random.Random(f"shop/{seed}/{shop_index}")
    name = " ".join(rng.choice(words) for words in SHOP_WORDS)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    cipher_alphabet = alphabet + alphabet.lower() + "_-"
    return {
        "id": "749" + "".join(rng.choice("0123456789") for _ in range(16)),
        "name": name,
        "region": REGION,
        "seller_type": "LOCAL",
        "code": "IDLC" + "".join(rng.choice(alphabet) for _ in range(8)),
        "cipher": "ROW_" + "".join(rng.choice(cipher_alphabet) for _ in range(32)),
    }


def _generate_records(size: int, seed: int, shop_index: int) -> list[ProductRecord]:
    rng = random.Random(f"catalog/{seed}/{shop_index}")
    start = CATALOG_END - CATALOG_SPAN
    created_span = CATALOG_SPAN - 30 * 86_400
    seen: set[int] = set()
    rows = []
    for _ in range(size):
        number = 1_729_000_000_000_000_000 + rng.getrandbits(56)
        while number in seen:
            number = 1_729_000_000_000_000_000 + rng.getrandbits(56)
        seen.add(number)
        create_time = start + int(rng.random() * created_span)
        # Most products were edited since they were created, recently more often.
        update_time = create_time + int(
            (CATALOG_END - create_time) * rng.random() ** 0.5
        )
        listing = _pick(rng, _LISTINGS)
        tiktok = _pick(rng, _STATUSES) if listing != "tokopedia_only" else None
        tokopedia = None
        if listing == "tokopedia_only":
            tokopedia = _pick(rng, _STATUSES)
        elif listing == "both":
            same = rng.random() < SAME_STATUS_ON_BOTH
            tokopedia = tiktok if same else _pick(rng, _STATUSES)
        tier = _pick(rng, _TIERS)
        rows.append(
            (str(number), create_time, update_time, listing, tiktok, tokopedia, tier)
        )

    vanishing = set(rng.sample(range(size), round(size * VANISH_SHARE)))
    defects, copies = _plan_defects(rng, size, vanishing)
    return [
        ProductRecord(
            index, *row, defects.get(index), copies.get(index, -1), index in vanishing
        )
        for index, row in enumerate(rows)
    ]


def _plan_defects(
    rng: random.Random, size: int, vanishing: set[int]
) -> tuple[dict[int, str], dict[int, int]]:
    """Pick about DEFECT_SHARE of the products and a defect kind for each.

    Kinds take turns so that every kind shows up once the catalog is big enough;
    a duplicated seller SKU involves two products and both carry the defect.
    """
    wanted = round(size * DEFECT_SHARE)
    pool = [index for index in range(size) if index not in vanishing]
    wanted = min(wanted, len(pool) - 1)
    if wanted <= 0:
        return {}, {}
    candidates = iter(rng.sample(pool, wanted + 1))
    kinds = list(DEFECT_KINDS)
    rng.shuffle(kinds)
    defects: dict[int, str] = {}
    copies: dict[int, int] = {}
    for kind in itertools.cycle(kinds):
        if len(defects) >= wanted:
            break
        index = next(candidates)
        defects[index] = kind
        if kind == "duplicate_seller_sku":
            partner = next(candidates)
            defects[partner] = kind
            copies[index] = partner
    return defects, copies


@lru_cache(maxsize=1024)
def _value_code(value: str) -> str:
    return "".join(char for char in value.upper() if char.isalnum())


@lru_cache(maxsize=1024)
def _value_id(value: str) -> str:
    return str(1_000_000 + int(_digits(f"value/{value}", 7)) % 9_000_000)


@lru_cache(maxsize=256)
def _brand_id(brand: str) -> str:
    return "7" + _digits(f"brand/{brand}", 18)


def _ean13(rng: random.Random) -> str:
    """A GTIN-13 with Indonesia's GS1 prefix 899 and a valid check digit."""
    body = f"899{rng.randrange(10**9):09d}"
    total = sum(
        int(digit) * (3 if position % 2 else 1) for position, digit in enumerate(body)
    )
    return body + str((10 - total % 10) % 10)


def _image(rng: random.Random, size: int | None = None) -> dict[str, Any]:
    uri = f"{_IMAGE_BUCKET}/{rng.getrandbits(128):032x}"
    side = size or rng.choice((800, 1000, 1200))
    return {
        "uri": uri,
        "urls": [
            f"{_IMAGE_HOST}/{uri}~tplv-aphluv4xwc-origin-jpeg.jpeg?from=1826719393"
        ],
        "thumb_urls": [
            f"{_IMAGE_HOST}/{uri}~tplv-aphluv4xwc-resize-jpeg:300:300.jpeg?from=1826719393"
        ],
        "width": side,
        "height": side,
    }


def _title(rng: random.Random, leaf: Leaf, brand: str | None) -> str:
    words = [rng.choice(leaf.nouns)]
    words += rng.sample(leaf.details, rng.randint(1, min(3, len(leaf.details))))
    if leaf.suffixes:
        words.append(rng.choice(leaf.suffixes))
    if brand and rng.random() < 0.6:
        words.insert(0, brand)
    return " ".join(words)[:255]


def _round_price(value: float, step: int = 500) -> int:
    return max(step, int(round(value / step)) * step)


def _skus(
    rng: random.Random, leaf: Leaf, index: int, warehouses: tuple[str, str]
) -> list[dict[str, Any]]:
    combos: list[tuple[tuple[str, str], ...]] = [()]
    if leaf.variants and rng.random() < 0.8:
        dimensions = leaf.variants if rng.random() < 0.7 else leaf.variants[:1]
        picked = []
        for name, values in dimensions:
            count = rng.randint(1, min(4, len(values)))
            chosen = sorted(rng.sample(range(len(values)), count))
            picked.append([(name, values[position]) for position in chosen])
        combos = list(itertools.product(*picked))

    base = rng.randint(*leaf.price)
    discount = rng.choice((0.0, 0.0, 0.0, 0.1, 0.15, 0.2, 0.3))
    skus = []
    for step, combo in enumerate(combos):
        sale = _round_price(base * (1 + 0.04 * step))
        listed = _round_price(sale / (1 - discount), 1000) if discount else sale
        inventory = [{"warehouse_id": warehouses[0], "quantity": _stock(rng)}]
        if rng.random() < 0.3:
            inventory.append({"warehouse_id": warehouses[1], "quantity": _stock(rng)})
        seller_sku = f"{leaf.code}-{index + 1:06d}"
        seller_sku += "".join(f"-{_value_code(value)}" for _, value in combo)
        sku: dict[str, Any] = {
            "id": str(1_730_000_000_000_000_000 + rng.getrandbits(56)),
            "seller_sku": seller_sku,
            "price": {
                "currency": CURRENCY,
                "sale_price": str(sale),
                "tax_exclusive_price": str(round(sale / 1.11)),
            },
            "list_price": {"amount": str(listed), "currency": CURRENCY},
            "inventory": inventory,
            "sales_attributes": [
                _sales_attribute(rng, name, value) for name, value in combo
            ],
        }
        if rng.random() < 0.8:
            sku["identifier_code"] = {"code": _ean13(rng), "type": "GTIN"}
        skus.append(sku)
    return skus


def _stock(rng: random.Random) -> int:
    return 0 if rng.random() < 0.08 else rng.randint(1, 500)


def _sales_attribute(rng: random.Random, name: str, value: str) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "id": ATTRIBUTE_IDS[name],
        "name": name,
        "value_id": _value_id(value),
        "value_name": value,
    }
    if name == "Warna":
        attribute["sku_img"] = _image(rng, 600)
    return attribute


def _description(rng: random.Random, leaf: Leaf, title: str) -> str:
    items = [f"Kategori: {leaf.chain[-1][1]}"]
    if leaf.material:
        items.append(f"Bahan: {rng.choice(leaf.material)}")
    items.append(f"Dikirim dari {rng.choice(CITIES)}")
    lines = rng.sample(DESCRIPTION_LINES, 2)
    listed = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    return f"<p>{html.escape(title or leaf.nouns[0])}</p><ul>{listed}</ul>" + "".join(
        f"<p>{html.escape(line)}</p>" for line in lines
    )


def _package(rng: random.Random, leaf: Leaf) -> tuple[dict[str, str], dict[str, str]]:
    grams = rng.randint(*leaf.grams)
    if grams >= 1000 and rng.random() < 0.7:
        weight = {
            "value": f"{grams / 1000:.2f}".rstrip("0").rstrip("."),
            "unit": "KILOGRAM",
        }
    else:
        weight = {"value": str(grams), "unit": "GRAM"}
    dimensions = {
        "length": str(rng.randint(10, 45)),
        "width": str(rng.randint(8, 35)),
        "height": str(rng.randint(2, 20)),
        "unit": "CENTIMETER",
    }
    return weight, dimensions


class CatalogBase:
    """The immutable part of one shop's catalog, shared by every `Catalog` copy."""

    def __init__(self, size: int, seed: int, shop_index: int) -> None:
        self.size = size
        self.seed = seed
        self.shop_index = shop_index
        self.shop = make_shop(seed, shop_index)
        self.records = _generate_records(size, seed, shop_index)
        self.index_by_id = {record.id: record.index for record in self.records}
        self.warehouses = (
            "7" + _digits(f"warehouse/{self.shop['id']}/0", 18),
            "7" + _digits(f"warehouse/{self.shop['id']}/1", 18),
        )
        self.body = lru_cache(maxsize=4096)(self._render)
        self._sku_index: dict[str, dict[str, set[int]]] | None = None
        self._lock = threading.Lock()

    def sku_index(self) -> dict[str, dict[str, set[int]]]:
        """Products by `seller_sku` and by SKU `id` (renders every product once)."""
        with self._lock:
            if self._sku_index is None:
                by_seller_sku: dict[str, set[int]] = {}
                by_sku_id: dict[str, set[int]] = {}
                for record in self.records:
                    for sku in self.body(record.index)["skus"]:
                        by_seller_sku.setdefault(sku["seller_sku"], set()).add(
                            record.index
                        )
                        by_sku_id.setdefault(sku["id"], set()).add(record.index)
                self._sku_index = {"seller_sku": by_seller_sku, "sku_id": by_sku_id}
            return self._sku_index

    def _render(self, index: int) -> dict[str, Any]:
        """The product as Get Product shows it, without `update_time`."""
        record = self.records[index]
        rng = random.Random(f"product/{self.seed}/{self.shop_index}/{index}")
        leaf = rng.choice(LEAVES)
        brand = rng.choice(leaf.brands) if rng.random() < 0.75 else None
        title = _title(rng, leaf, brand)
        skus = _skus(rng, leaf, index, self.warehouses)
        images = [_image(rng) for _ in range(rng.randint(1, 9))]
        weight, dimensions = _package(rng, leaf)
        chain = [
            {
                "id": category_id,
                "parent_id": leaf.chain[level - 1][0] if level else "0",
                "local_name": name,
                "is_leaf": level == len(leaf.chain) - 1,
            }
            for level, (category_id, name) in enumerate(leaf.chain)
        ]
        body: dict[str, Any] = {"id": record.id, "title": title}
        if record.tiktok_status:
            body["status"] = record.tiktok_status
        body |= {
            "description": _description(rng, leaf, title),
            "category_chains": chain,
            "main_images": images,
            "package_weight": weight,
            "package_dimensions": dimensions,
            "skus": skus,
            "create_time": record.create_time,
            "is_cod_allowed": rng.random() < 0.7,
            "minimum_order_quantity": 1 if rng.random() < 0.9 else rng.randint(2, 5),
            "audit": {"status": record.audit_status},
            "listing_quality_tier": record.quality_tier,
            "is_not_for_sale": False,
            "is_pre_owned": False,
            "product_attributes": [
                {
                    "id": "101610",
                    "name": "Negara Asal",
                    "values": [{"id": "1000000", "name": "Indonesia"}],
                }
            ],
        }
        if brand:
            body["brand"] = {"id": _brand_id(brand), "name": brand}
        if record.audit_status == "FAILED":
            reason, suggestion = rng.choice(AUDIT_FAILURES)
            platform = "TIKTOK_SHOP" if record.tiktok_status else "TOKOPEDIA"
            body["audit_failed_reasons"] = [
                {
                    "position": "product",
                    "reasons": [reason],
                    "suggestions": [suggestion],
                    "listing_platform": platform,
                }
            ]
        if record.tokopedia_status:
            body["integrated_platform_statuses"] = [
                {"platform": "TOKOPEDIA", "status": record.tokopedia_status}
            ]
        if record.defect:
            self._apply_defect(rng, record, body)
        return body

    def _apply_defect(
        self, rng: random.Random, record: ProductRecord, body: dict[str, Any]
    ) -> None:
        """Spoil the body exactly as docs/CONTRACTS.md describes the defect."""
        skus = body["skus"]
        sku = skus[rng.randrange(len(skus))]
        if record.defect == "missing_price":
            sku["price"] = {"currency": CURRENCY}
        elif record.defect == "zero_price":
            sku["price"] |= {"sale_price": "0", "tax_exclusive_price": "0"}
        elif record.defect == "negative_stock":
            sku["inventory"][0]["quantity"] = -rng.randint(1, 20)
        elif record.defect == "empty_title":
            body["title"] = ""
        elif record.defect == "duplicate_seller_sku" and record.copies_sku_of >= 0:
            sku["seller_sku"] = self.body(record.copies_sku_of)["skus"][0]["seller_sku"]
        elif record.defect == "malformed_image_url":
            image = body["main_images"][rng.randrange(len(body["main_images"]))]
            form = rng.choice(_MALFORMED_URL_FORMS)
            host = _IMAGE_HOST.removeprefix("https://")
            image["urls"][0] = form.format(host=host, uri=image["uri"])
        elif record.defect == "missing_category":
            body["category_chains"] = []


@lru_cache(maxsize=8)
def _base(size: int, seed: int, shop_index: int) -> CatalogBase:
    return CatalogBase(size, seed, shop_index)


class Catalog:
    """One shop's catalog as the emulator serves it; `update_time` can change.

    Thread-safe: the server reads it from many threads while edits happen.
    """

    def __init__(self, base: CatalogBase) -> None:
        self._base = base
        self.shop = base.shop
        self.records = base.records
        self._update_times = [record.update_time for record in base.records]
        self._order: list[tuple[int, int, int]] | None = None
        self._matches: dict[Any, list[tuple[int, int, int]]] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.records)

    def find(self, product_id: str) -> ProductRecord | None:
        """The product with this id, or None."""
        index = self._base.index_by_id.get(product_id)
        return None if index is None else self.records[index]

    def update_time(self, index: int) -> int:
        return self._update_times[index]

    def body(self, index: int) -> dict[str, Any]:
        """The product's full body with its current `update_time` (a fresh dict)."""
        return self._base.body(index) | {"update_time": self._update_times[index]}

    def sku_index(self) -> dict[str, dict[str, set[int]]]:
        return self._base.sku_index()

    def ground_truth(self) -> list[dict[str, Any]]:
        """One row per product, as docs/CONTRACTS.md describes the ground truth."""
        shop_id = self.shop["id"]
        return [
            {
                "id": record.id,
                "listing": record.listing,
                "defects": [record.defect] if record.defect else [],
                "vanishes": record.vanishes,
                "shop_id": shop_id,
            }
            for record in self.records
        ]

    def edit(self, indices: list[int], when: int) -> None:
        """Set the update_time of these products to `when` (a seller editing)."""
        with self._lock:
            order = self._sorted()
            for index in indices:
                number = int(self.records[index].id)
                old = (self._update_times[index], number, index)
                del order[bisect.bisect_left(order, old)]
                self._update_times[index] = when
                bisect.insort(order, (when, number, index))
            self._matches.clear()

    def matches(self, filters: Filters) -> list[tuple[int, int, int]]:
        """Matching products as (update_time, id, index), ascending; cached."""
        with self._lock:
            cached = self._matches.get(filters)
            if cached is not None:
                return cached
            order = self._sorted()
            low, high = 0, len(order)
            if filters.update_time_ge is not None:
                low = bisect.bisect_left(order, (filters.update_time_ge,))
            if filters.update_time_le is not None:
                high = bisect.bisect_left(order, (filters.update_time_le + 1,))
            found = order[low:high]
            if not filters.time_only:
                records = self.records
                found = [key for key in found if filters.accepts(self, records[key[2]])]
            if len(self._matches) >= 32:
                self._matches.pop(next(iter(self._matches)))
            self._matches[filters] = found
            return found

    def _sorted(self) -> list[tuple[int, int, int]]:
        if self._order is None:
            self._order = sorted(
                (self._update_times[record.index], int(record.id), record.index)
                for record in self.records
            )
        return self._order


def generate_catalog(size: int, seed: int, shop_index: int = 0) -> Catalog:
    """Build (or reuse) the catalog of shop `shop_index` for (size, seed).

    The immutable part is cached per (size, seed, shop_index); each call returns
    its own `Catalog`, so edits in one emulator never leak into another.
    """
    if size < 0:
        raise ValueError(f"size must be 0 or more, got {size}")
    return Catalog(_base(size, seed, shop_index))


def iter_ground_truth(size: int, seed: int, shops: int = 1) -> Iterator[dict[str, Any]]:
    """Ground-truth rows of every shop, shop by shop."""
    for shop_index in range(shops):
        yield from generate_catalog(size, seed, shop_index).ground_truth()


def write_ground_truth(size: int, seed: int, path: str | Path, shops: int = 1) -> int:
    """Write one JSON line per product (docs/CONTRACTS.md); return the line count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for row in iter_ground_truth(size, seed, shops):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    logger.info("wrote %d ground-truth rows to %s", count, path)
    return count
