"""TikTok's published samples, served as they are, go through a live-mode import."""

import copy
import gzip
import json
import os
import threading

import pytest
from helpers import REFERENCE
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tiktok_import.importer import ImportConfig, run_import

SAMPLES = REFERENCE / "tiktok" / "samples"


def _sample(name):
    if not SAMPLES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SAMPLES} is missing: CI must have shared/ beside the clone")
        pytest.skip(f"{SAMPLES} not found; set TIKTOK_IMPORT_REFERENCE")
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
def sample_server():
    token = _sample("token_get.json")
    shops = _sample("authorized_shops_202309.json")
    first_page = _sample("search_products_202502.json")
    last_page = copy.deepcopy(first_page)
    last_page["data"]["products"] = []
    last_page["data"]["next_page_token"] = ""
    product = _sample("get_product_202309.json")

    @Request.application
    def app(request):
        path = request.path
        if path.startswith("/api/v2/token/"):
            body = token
        elif path == "/authorization/202309/shops":
            body = shops
        elif path.endswith("/products/search"):
            body = last_page if request.args.get("page_token") else first_page
        elif path == f"/product/202309/products/{product['data']['id']}":
            body = product
        else:
            body = {"code": 12019150, "message": "not found", "request_id": "x"}
        return Response(json.dumps(body), content_type="application/json")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


def test_live_import_of_the_published_samples(sample_server, tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOK_APP_KEY", "sample-key")
    monkeypatch.setenv("TIKTOK_APP_SECRET", "sample-secret-value")
    monkeypatch.setenv("TIKTOK_ACCESS_TOKEN", "sample-access-token")
    monkeypatch.setenv("TIKTOK_API_BASE_URL", sample_server)
    monkeypatch.setenv("TIKTOK_AUTH_BASE_URL", sample_server)
    config = ImportConfig(source="live", output_dir=str(tmp_path), run_id="samples")

    result = run_import(config, progress=False)

    manifest = result.manifest
    assert manifest["status"] == "complete"
    assert manifest["shop"]["region"] == "GB"
    assert manifest["counts"] == {"found": 1, "fetched": 1, "failed": 0}
    with gzip.open(result.run_folder / "raw" / "products.jsonl.gz", "rt") as stream:
        stored = [json.loads(line) for line in stream]
    assert stored == [_sample("get_product_202309.json")]
    for path in result.run_folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            assert b"sample-secret-value" not in data
            assert b"sample-access-token" not in data
