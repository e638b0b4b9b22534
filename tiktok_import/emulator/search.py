"""Search Products: the request's filters, opaque page tokens and result pages.

Results come in (update_time, id) order. A page token is standard base64 (so it
may hold `+`, `/` and `=`) of the last key served, how many results the walk has
served, and a digest of the filters; a token only works with the filters it
was issued for. Walking by key rather than by position means that a product
edited during a walk moves to the end and is served again, never skipped.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
import struct
from dataclasses import dataclass, fields
from typing import Any

from ..settings import (
    CODE_REQUEST_FAULT,
    CODE_SEARCH_CAP,
    PAGE_SIZE_MAX,
    PRODUCT_STATUSES,
    SEARCH_RESULT_CAP,
    SELLER_SKUS_FILTER_MAX,
)
from .catalog import REGION, Catalog, ProductRecord
from .envelope import ApiFault
from .vocabulary import SYNC_FAIL_REASONS

SEARCH_VERSIONS = ("202309", "202312", "202502")
LISTING_PLATFORMS = ("TIKTOK_SHOP", "TOKOPEDIA")
AUDIT_STATUSES = ("NONE", "AUDITING", "FAILED", "APPROVED")
QUALITY_TIERS = ("POOR", "FAIR", "GOOD")
SKU_IDS_MAX = 100

_TIME_FIELDS = ("create_time_ge", "create_time_le", "update_time_ge", "update_time_le")
# Body fields each version's published request schema lists. Anything else is
# refused, so a client sending a 202312 filter to 202309 hears about it.
# `category_version`, `return_draft_version` and `sns_filter` are accepted and
# have no effect here: the emulated catalog has one category tree and no drafts.
_BODY_FIELDS = {
    "202309": {"status", "seller_skus", *_TIME_FIELDS},
    "202312": {
        "status",
        "seller_skus",
        *_TIME_FIELDS,
        "listing_platforms",
        "audit_status",
        "sku_ids",
        "category_version",
        "listing_quality_tier",
    },
    "202502": {
        "status",
        "seller_skus",
        *_TIME_FIELDS,
        "listing_platforms",
        "audit_status",
        "sku_ids",
        "category_version",
        "listing_quality_tiers",
        "return_draft_version",
        "sns_filter",
    },
}
_TOKEN_LAYOUT = struct.Struct(">BqQI8s")  # version, update_time, id, served, digest
_TOKEN_VERSION = 1


@dataclass(frozen=True)
class SearchFilters:
    """A search's filters, hashable so that match lists can be cached."""

    status: str = "ALL"
    create_time_ge: int | None = None
    create_time_le: int | None = None
    update_time_ge: int | None = None
    update_time_le: int | None = None
    seller_skus: frozenset[str] | None = None
    sku_ids: frozenset[str] | None = None
    listing_platforms: frozenset[str] | None = None
    audit_statuses: frozenset[str] | None = None
    quality_tiers: frozenset[str] | None = None

    @property
    def time_only(self) -> bool:
        """True when only the update_time window narrows the search."""
        return self.status == "ALL" and all(
            getattr(self, field.name) is None
            for field in fields(self)
            if field.name not in ("status", "update_time_ge", "update_time_le")
        )

    def accepts(self, catalog: Catalog, record: ProductRecord) -> bool:
        """Whether the product matches every filter but the update_time window.

        `status` matches a product whose status on any of the platforms looked
        at (`listing_platforms`, else every platform it is listed on) is that
        status.
        """
        platforms = record.platform_statuses()
        if self.listing_platforms is not None:
            platforms = {
                name: status
                for name, status in platforms.items()
                if name in self.listing_platforms
            }
            if not platforms:
                return False
        if self.status != "ALL" and self.status not in platforms.values():
            return False
        if self.create_time_ge is not None and record.create_time < self.create_time_ge:
            return False
        if self.create_time_le is not None and record.create_time > self.create_time_le:
            return False
        if (
            self.audit_statuses is not None
            and record.audit_status not in self.audit_statuses
        ):
            return False
        if (
            self.quality_tiers is not None
            and record.quality_tier not in self.quality_tiers
        ):
            return False
        if self.seller_skus is not None and not _has_any(
            catalog, "seller_sku", self.seller_skus, record.index
        ):
            return False
        return self.sku_ids is None or _has_any(
            catalog, "sku_id", self.sku_ids, record.index
        )

    def digest(self, version: str, shop_cipher: str) -> bytes:
        """8 bytes identifying these filters on this search version and shop."""
        canonical = {
            field.name: sorted(value) if isinstance(value, frozenset) else value
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None
        }
        text = json.dumps([version, shop_cipher, canonical], sort_keys=True)
        return hashlib.blake2b(text.encode(), digest_size=8).digest()


def _has_any(catalog: Catalog, kind: str, values: frozenset[str], index: int) -> bool:
    by_value = catalog.sku_index()[kind]
    return any(index in by_value.get(value, ()) for value in values)


@dataclass(frozen=True)
class SearchRequest:
    page_size: int
    page_token: str
    filters: SearchFilters


def _refuse(message: str) -> ApiFault:
    return ApiFault(CODE_REQUEST_FAULT, message)


def parse_page_size(raw: str | None) -> int:
    if raw is None or raw == "":
        raise _refuse(f"page_size is required (1..{PAGE_SIZE_MAX})")
    try:
        page_size = int(raw)
    except ValueError:
        message = f"page_size must be an integer 1..{PAGE_SIZE_MAX}, got {raw!r}"
        raise _refuse(message) from None
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise _refuse(f"page_size must be 1..{PAGE_SIZE_MAX}, got {page_size}")
    return page_size


def _string_list(body: dict, name: str, allowed: tuple[str, ...] | None, limit: int):
    values = body[name]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _refuse(f"{name} must be a list of strings")
    if not values:
        raise _refuse(f"{name} must not be empty when given")
    if len(values) > limit:
        raise _refuse(f"{name} accepts at most {limit} values, got {len(values)}")
    if allowed is not None and (unknown := set(values) - set(allowed)):
        raise _refuse(
            f"{name} has unknown values {sorted(unknown)}; expected some of "
            f"{list(allowed)}"
        )
    return frozenset(values)


def parse_search(
    version: str, page_size: str | None, page_token: str | None, raw_body: bytes
) -> SearchRequest:
    """Check a Search Products request; raise ApiFault saying what is wrong."""
    size = parse_page_size(page_size)
    try:
        body = json.loads(raw_body or b"{}")
    except (UnicodeDecodeError, ValueError):
        raise _refuse("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _refuse("the request body must be a JSON object")
    unknown = set(body) - _BODY_FIELDS[version]
    if unknown:
        raise _refuse(
            f"unknown body fields {sorted(unknown)} for Search Products {version}; "
            f"expected some of {sorted(_BODY_FIELDS[version])}"
        )

    values: dict[str, Any] = {}
    status = body.get("status", "ALL")
    if status not in ("ALL", *PRODUCT_STATUSES):
        raise _refuse(
            f"status must be ALL or one of {list(PRODUCT_STATUSES)}, got {status!r}"
        )
    values["status"] = status
    for name in _TIME_FIELDS:
        if name in body:
            value = body[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _refuse(f"{name} must be a Unix time in seconds, got {value!r}")
            values[name] = value
    if "seller_skus" in body:
        values["seller_skus"] = _string_list(
            body, "seller_skus", None, SELLER_SKUS_FILTER_MAX
        )
    if "sku_ids" in body:
        values["sku_ids"] = _string_list(body, "sku_ids", None, SKU_IDS_MAX)
    if "listing_platforms" in body:
        values["listing_platforms"] = _string_list(
            body, "listing_platforms", LISTING_PLATFORMS, len(LISTING_PLATFORMS)
        )
        if status == "ALL":
            raise _refuse("listing_platforms needs a status other than ALL")
    if "audit_status" in body:
        values["audit_statuses"] = _string_list(
            body, "audit_status", AUDIT_STATUSES, len(AUDIT_STATUSES)
        )
    if "listing_quality_tier" in body:
        tier = body["listing_quality_tier"]
        if tier not in QUALITY_TIERS:
            raise _refuse(f"listing_quality_tier must be one of {list(QUALITY_TIERS)}")
        values["quality_tiers"] = frozenset([tier])
    if "listing_quality_tiers" in body:
        values["quality_tiers"] = _string_list(
            body, "listing_quality_tiers", QUALITY_TIERS, len(QUALITY_TIERS)
        )
    return SearchRequest(size, page_token or "", SearchFilters(**values))


def encode_page_token(key: tuple[int, int], served: int, digest: bytes) -> str:
    packed = _TOKEN_LAYOUT.pack(_TOKEN_VERSION, key[0], key[1], served, digest)
    return base64.b64encode(packed).decode("ascii")


def decode_page_token(token: str) -> tuple[tuple[int, int], int, bytes]:
    """(last key served, results served so far, filters digest) from a token."""
    try:
        packed = base64.b64decode(token, validate=True)
        version, update_time, number, served, digest = _TOKEN_LAYOUT.unpack(packed)
    except (binascii.Error, struct.error, ValueError):
        raise _refuse(
            "page_token is not valid; send the next_page_token of the previous "
            "page unchanged (URL-encoded: it may contain '+', '/' and '=')"
        ) from None
    if version != _TOKEN_VERSION:
        raise _refuse("page_token is not valid")
    return (update_time, number), served, digest


def search_page(
    catalog: Catalog, version: str, request: SearchRequest, shop_cipher: str
) -> dict[str, Any]:
    """The `data` of one Search Products answer."""
    digest = request.filters.digest(version, shop_cipher)
    matches = catalog.matches(request.filters)
    start, served = 0, 0
    if request.page_token:
        key, served, token_digest = decode_page_token(request.page_token)
        if token_digest != digest:
            raise _refuse(
                "page_token was issued for other search filters; start the walk "
                "again without page_token"
            )
        start = bisect.bisect_right(matches, (key[0], key[1], len(catalog)))
    page = matches[start : start + request.page_size]
    if served + len(page) > SEARCH_RESULT_CAP:
        raise ApiFault(
            CODE_SEARCH_CAP,
            f"a search returns at most {SEARCH_RESULT_CAP} results and this one "
            f"has {len(matches)}; narrow it with update_time_ge/update_time_le",
        )
    more = start + len(page) < len(matches)
    next_token = ""
    if more and page:
        last = page[-1]
        next_token = encode_page_token((last[0], last[1]), served + len(page), digest)
    return {
        "products": [search_item(catalog, key[2], version) for key in page],
        "next_page_token": next_token,
        "total_count": len(matches),
    }


def search_item(catalog: Catalog, index: int, version: str) -> dict[str, Any]:
    """A product as Search Products `version` lists it (API_NOTES.md)."""
    body = catalog.body(index)
    record = catalog.records[index]
    newer = version >= "202312"
    item: dict[str, Any] = {"id": body["id"], "title": body["title"]}
    if "status" in body:
        item["status"] = body["status"]
    failed_on_tokopedia = record.tokopedia_status == "FAILED"
    item |= {
        "create_time": body["create_time"],
        "update_time": body["update_time"],
        "sales_regions": [REGION],
        "product_sync_fail_reasons": list(SYNC_FAIL_REASONS)
        if failed_on_tokopedia
        else [],
        "skus": [_search_sku(sku, newer) for sku in body["skus"]],
    }
    if newer:
        item |= {
            "audit": {"status": body["audit"]["status"]},
            "is_not_for_sale": body["is_not_for_sale"],
            "listing_quality_tier": body["listing_quality_tier"],
        }
        if "integrated_platform_statuses" in body:
            item["integrated_platform_statuses"] = body["integrated_platform_statuses"]
    return item


def _search_sku(sku: dict[str, Any], with_list_price: bool) -> dict[str, Any]:
    view = {
        "id": sku["id"],
        "seller_sku": sku["seller_sku"],
        "price": sku["price"],
        "inventory": sku["inventory"],
    }
    if with_list_price:
        view["list_price"] = sku["list_price"]
    return view
