"""What every signed API call must carry: app_key, timestamp, sign, token, cipher.

Checked in that order; the first failure answers (API_NOTES.md, "Signing").
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request

from ..settings import (
    ACCESS_TOKEN_HEADER,
    CODE_BAD_SIGN,
    CODE_REQUEST_FAULT,
    CODE_SHOP_CIPHER_MISSING,
    TIMESTAMP_MAX_AGE_SECONDS,
    TIMESTAMP_MAX_SKEW_SECONDS,
)
from ..signing import compute_sign
from .envelope import ApiFault
from .tokens import TokenStore


def verify_call(
    request: Request,
    *,
    app_secret: str,
    tokens: TokenStore,
    shops_by_cipher: Mapping[str, dict[str, Any]],
    now: float,
) -> dict[str, Any] | None:
    """Check a signed API call; return the shop its `shop_cipher` names, if any.

    Raises ApiFault with the code TikTok answers for the first thing wrong.
    """
    params = request.args.to_dict(flat=True)
    if params.get("app_key") != tokens.app_key:
        raise ApiFault(CODE_REQUEST_FAULT, "app_key is missing or unknown")
    _check_timestamp(params.get("timestamp"), now)
    _check_sign(request, params, app_secret)
    tokens.check_access(request.headers.get(ACCESS_TOKEN_HEADER))
    return _shop(request.path, params.get("shop_cipher"), shops_by_cipher)


def _check_timestamp(raw: str | None, now: float) -> None:
    try:
        timestamp = int(raw or "")
    except ValueError:
        raise ApiFault(
            CODE_REQUEST_FAULT,
            f"timestamp must be Unix seconds, got {raw!r}",
        ) from None
    age = int(now) - timestamp
    if age > TIMESTAMP_MAX_AGE_SECONDS:
        raise ApiFault(
            CODE_REQUEST_FAULT,
            f"timestamp is {age} s old; it must be at most "
            f"{TIMESTAMP_MAX_AGE_SECONDS} s old (sign each attempt afresh)",
        )
    if -age > TIMESTAMP_MAX_SKEW_SECONDS:
        raise ApiFault(
            CODE_REQUEST_FAULT,
            f"timestamp is {-age} s in the future; at most "
            f"{TIMESTAMP_MAX_SKEW_SECONDS} s is allowed (check the clock)",
        )


def _check_sign(request: Request, params: dict[str, str], app_secret: str) -> None:
    sign = params.get("sign", "")
    if not sign:
        raise ApiFault(CODE_BAD_SIGN, "sign is missing")
    content_type = request.headers.get("Content-Type", "application/json")
    expected = compute_sign(
        app_secret, request.path, params, request.get_data(cache=True), content_type
    )
    if hmac.compare_digest(sign, expected):
        return
    if hmac.compare_digest(sign.lower(), expected):
        raise ApiFault(CODE_BAD_SIGN, "sign must be lower-case hex")
    raise ApiFault(
        CODE_BAD_SIGN,
        "sign does not match: sign path + sorted params (without sign and "
        "access_token) + body as sent, with the app_secret",
    )


def _shop(
    path: str, cipher: str | None, shops_by_cipher: Mapping[str, dict[str, Any]]
) -> dict[str, Any] | None:
    if path.startswith("/authorization/"):
        if cipher is not None:
            raise ApiFault(
                CODE_REQUEST_FAULT,
                "shop_cipher must not be sent to /authorization/ APIs",
            )
        return None
    if not cipher:
        raise ApiFault(
            CODE_SHOP_CIPHER_MISSING,
            "shop_cipher is required; take it from Get Authorized Shops",
        )
    shop = shops_by_cipher.get(cipher)
    if shop is None:
        raise ApiFault(
            CODE_REQUEST_FAULT, "shop_cipher is not one of the authorized shops"
        )
    return shop
