"""An unthrottled 100,000-product import, search only, against what analysts use.

Each peer gets its own emulator process (`tiktok-import emulator serve --rps 0`,
the same catalog):

- ours: `run_import` in live mode against the emulator (raw files + manifest);
- plain: a loop an analyst would write, `requests` one call at a time, page_size
  100, then `pandas.json_normalize`. A search returns at most 10,000 results, so
  it walks fixed 7-day update_time windows from 2020-01-01 to now (the simple way:
  no probing, empty windows cost a call each; 30-day windows hit the cap at 100k);
- dlt: dlt's `rest_api` source (the same 7-day windows, one resource per window,
  all into one `products` table) loading into duckdb.

Both peers sign with `tiktok_import.signing` and refresh the access token when it
expires (the emulator's tokens live 30 s).

    .venv/bin/python bench/peers.py [--size 100000] [--peers ours,plain,dlt]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

import requests
from _common import RESULTS, EmulatorProcess, save, scratch

from tiktok_import import settings as s
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.signing import PartnerAuth, compute_sign
from tiktok_import.tokens import TokenClient, TokenPair

WINDOW_DAYS = 7
WINDOWS_FROM = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())


def windows() -> list[tuple[int, int]]:
    """Fixed 7-day update_time windows, from 2020-01-01 to now."""
    now, step = int(time.time()), WINDOW_DAYS * 86_400
    return [(ge, ge + step - 1) for ge in range(WINDOWS_FROM, now + 1, step)]


class FreshToken:
    """The access token, refreshed when the emulator says it has expired."""

    def __init__(self, env: dict[str, str]) -> None:
        self.client = TokenClient(
            env["TIKTOK_AUTH_BASE_URL"], env["TIKTOK_APP_KEY"], env["TIKTOK_APP_SECRET"]
        )
        self.pair = TokenPair(env["TIKTOK_ACCESS_TOKEN"], env["TIKTOK_REFRESH_TOKEN"])
        self.refreshed_at = time.time()

    def __call__(self) -> str:
        # The emulator's tokens live 30 s; refresh a little before.
        if time.time() - self.refreshed_at > 25:
            self.pair = self.client.refresh(self.pair.refresh_token)
            self.refreshed_at = time.time()
        return self.pair.access_token


def ours(emulator: EmulatorProcess, out: str) -> dict[str, Any]:
    config = ImportConfig(
        source="live",
        env_file=str(emulator.env_file),
        fetch_details=False,
        requests_per_second=s.MAX_RPS,
        output_dir=out,
        run_id="ours",
    )
    started = time.perf_counter()
    manifest = run_import(config, progress=False).manifest
    seconds = time.perf_counter() - started
    return {
        "products": manifest["counts"]["found"],
        "seconds": round(seconds, 2),
        "requests": manifest["requests"]["total"],
    }


def plain(emulator: EmulatorProcess) -> dict[str, Any]:
    """The analyst's loop: sign, post, follow next_page_token, normalize."""
    env = emulator.env
    base, key, secret = env["TIKTOK_API_BASE_URL"], env["TIKTOK_APP_KEY"], ""
    secret = env["TIKTOK_APP_SECRET"]
    token = FreshToken(env)
    session = requests.Session()
    started = time.perf_counter()
    calls = 0

    def call(method: str, path: str, params: dict, body: dict | None = None) -> dict:
        nonlocal calls
        params = {**params, "app_key": key, "timestamp": str(int(time.time()))}
        data = json.dumps(body).encode() if body is not None else None
        params["sign"] = compute_sign(secret, path, params, data)
        headers = {"x-tts-access-token": token(), "Content-Type": "application/json"}
        calls += 1
        reply = session.request(
            method, base + path, params=params, data=data, headers=headers
        ).json()
        if reply["code"] != 0:
            raise RuntimeError(f"{path}: {reply['code']} {reply['message']}")
        return reply["data"]

    cipher = call("GET", s.SHOPS_PATH, {})["shops"][0]["cipher"]
    rows = []
    for ge, le in windows():
        page_token = ""
        while True:
            params = {"shop_cipher": cipher, "page_size": "100"}
            if page_token:
                params["page_token"] = page_token
            body = {"update_time_ge": ge, "update_time_le": le}
            data = call("POST", s.SEARCH_PATH, params, body)
            rows += data.get("products") or []
            page_token = data.get("next_page_token")
            if not page_token:
                break
    frame = __import__("pandas").json_normalize(rows)
    seconds = time.perf_counter() - started
    products = frame["id"].nunique()
    return {"products": int(products), "seconds": round(seconds, 2), "requests": calls}


def dlt_peer(emulator: EmulatorProcess, out: str) -> dict[str, Any]:
    """dlt's rest_api source into duckdb, the same windows as the plain loop."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt
    from dlt.common.configuration import configspec
    from dlt.sources.helpers.rest_client.auth import AuthConfigBase
    from dlt.sources.rest_api import rest_api_source

    env = emulator.env
    token = FreshToken(env)
    signer = PartnerAuth(env["TIKTOK_APP_KEY"], env["TIKTOK_APP_SECRET"], token)

    @configspec
    class Signed(AuthConfigBase):
        def __call__(self, request: Any) -> Any:
            return signer(request)

    started = time.perf_counter()
    shops = requests.get(
        env["TIKTOK_API_BASE_URL"] + s.SHOPS_PATH, auth=signer, timeout=30
    ).json()
    cipher = shops["data"]["shops"][0]["cipher"]
    resources = [
        {
            "name": f"window_{number}",
            "table_name": "products",
            "primary_key": "id",
            "write_disposition": "append",
            "endpoint": {
                "path": s.SEARCH_PATH,
                "method": "POST",
                "params": {"shop_cipher": cipher, "page_size": 100},
                "json": {"update_time_ge": ge, "update_time_le": le},
                "data_selector": "data.products",
                "paginator": {
                    "type": "cursor",
                    "cursor_path": "data.next_page_token",
                    "cursor_param": "page_token",
                },
            },
        }
        for number, (ge, le) in enumerate(windows())
    ]
    source = rest_api_source(
        {
            "client": {"base_url": env["TIKTOK_API_BASE_URL"], "auth": Signed()},
            "resources": resources,
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="bench_tiktok",
        pipelines_dir=os.path.join(out, "dlt"),
        destination=dlt.destinations.duckdb(os.path.join(out, "bench.duckdb")),
        dataset_name="tiktok",
    )
    pipeline.run(source)
    seconds = time.perf_counter() - started
    with pipeline.sql_client() as client:
        products = client.execute_sql("select count(distinct id) from products")[0][0]
    return {"products": int(products), "seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--peers", default="ours,plain,dlt")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    logging.getLogger("tiktok_import").propagate = False
    # Peers run separately (--peers) add to the figures already saved for this size.
    saved = RESULTS / "peers.json"
    results: dict[str, Any] = {}
    if saved.is_file():
        previous = json.loads(saved.read_text(encoding="utf-8"))
        if previous.get("catalog_size") == args.size:
            results = {
                k: v
                for k, v in previous["results"].items()
                if not k.startswith("ours_")
            }
    for peer in args.peers.split(","):
        # A fresh emulator per peer: the same catalog, and tokens of its own.
        with EmulatorProcess(args.size, rps=0) as emulator, scratch("bench-") as out:
            cpu_before = emulator.cpu_seconds()
            if peer == "ours":
                results[peer] = ours(emulator, str(out))
            elif peer == "plain":
                results[peer] = plain(emulator)
            elif peer == "dlt":
                results[peer] = dlt_peer(emulator, str(out))
            rate = results[peer]["products"] / results[peer]["seconds"]
            results[peer]["products_per_second"] = round(rate, 1)
            # Near 1: the emulator (one process) was the bound, not the peer.
            results[peer]["emulator_cpu_share"] = round(
                (emulator.cpu_seconds() - cpu_before) / results[peer]["seconds"], 2
            )
            print(peer, results[peer], flush=True)
    if "ours" in results:
        for peer in ("plain", "dlt"):
            if peer in results:
                results[f"ours_vs_{peer}"] = round(
                    results[peer]["seconds"] / results["ours"]["seconds"], 2
                )
    save(
        "peers",
        {"command": "bench/peers.py", "catalog_size": args.size, "results": results},
    )


if __name__ == "__main__":
    main()
