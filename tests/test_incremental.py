"""Incremental import: fetch only what changed, carry the rest, mark what is gone."""

import gzip
import json

from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.importer import ImportConfig, run_import

GONE_ID = "1999999999999999999"


def _bodies(run_folder):
    with gzip.open(run_folder / "raw" / "products.jsonl.gz", "rt") as stream:
        return {body["data"]["id"]: body["data"] for body in map(json.loads, stream)}


def _lines(run_folder, name):
    with gzip.open(run_folder / "raw" / name, "rt") as stream:
        return [json.loads(line) for line in stream]


def test_incremental_run_matches_a_full_run(tmp_path):
    def config(run_id, **extra):
        return ImportConfig(
            output_dir=str(tmp_path), run_id=run_id, catalog_size=200, **extra
        )

    with Emulator(EmulatorConfig(size=200, rps=None)) as emulator:
        first = run_import(config("first"), progress=False, emulator=emulator)
        # A product the shop has since deleted: known to the first run only.
        stored = next(iter(_bodies(first.run_folder).values()))
        gone = {
            "code": 0,
            "message": "success",
            "request_id": "x",
            "data": {**stored, "id": GONE_ID},
        }
        with gzip.open(first.run_folder / "raw" / "products.jsonl.gz", "at") as out:
            out.write(json.dumps(gone) + "\n")
        edited = set(emulator.edit_products(15))

        second = run_import(
            config("second", incremental=True), progress=False, emulator=emulator
        )
        full = run_import(config("full"), progress=False, emulator=emulator)

    manifest = second.manifest
    vanished = full.manifest["counts"]["failed"]
    assert manifest["status"] == "complete"
    assert manifest["incremental"] == {
        "since_run": "first",
        "fetched_again": len(edited) + vanished,
        "carried_forward": 200 - vanished - len(edited),
        "disappeared": 1,
    }
    assert manifest["requests"]["by_endpoint"]["product"] < 200 / 2
    assert _bodies(second.run_folder) == _bodies(full.run_folder)
    assert manifest["counts"] == full.manifest["counts"]
    gone_records = _lines(second.run_folder, "disappeared.jsonl.gz")
    assert [r["product_id"] for r in gone_records] == [GONE_ID]
    carried = {
        r["product_id"] for r in _lines(second.run_folder, "carried_forward.jsonl.gz")
    }
    assert not carried & edited


def test_incremental_without_an_earlier_run_imports_everything(tmp_path):
    with Emulator(EmulatorConfig(size=40, rps=None)) as emulator:
        result = run_import(
            ImportConfig(output_dir=str(tmp_path), run_id="only", incremental=True),
            progress=False,
            emulator=emulator,
        )
    assert result.manifest["incremental"] == {"since_run": None}
    assert result.manifest["counts"]["found"] == 40


def test_an_emulated_shop_of_another_catalog_size_is_not_carried_from(tmp_path):
    # An emulated shop keeps its id whatever the catalog's size or seed; its
    # products, defects and vanishers do not.
    for run_id, size, incremental in (("small", 30, False), ("larger", 60, True)):
        with Emulator(EmulatorConfig(size=size, rps=None)) as emulator:
            result = run_import(
                ImportConfig(
                    output_dir=str(tmp_path),
                    run_id=run_id,
                    catalog_size=size,
                    incremental=incremental,
                ),
                progress=False,
                emulator=emulator,
            )
    assert result.manifest["incremental"] == {"since_run": None}
    assert result.manifest["counts"]["found"] == 60
