"""Kill the import at random points, resume it, get exactly a clean run's catalog."""

import gzip
import json
import random
import signal
import subprocess
import sys
import time

import pytest

from tiktok_import.errors import ConfigError
from tiktok_import.importer import ImportConfig, run_import

TRIALS = 10
CATALOG = {"catalog_size": 600, "seed": 5, "page_size": 20, "requests_per_second": 300}
# 30 search pages, then 600 detail calls: both phases last long enough to aim at.
EMULATOR = {"rps": None}


def _config(output_dir, run_id):
    return ImportConfig(
        output_dir=str(output_dir), run_id=run_id, emulator_options=EMULATOR, **CATALOG
    )


def _launch(output_dir, run_id):
    script = (
        "from tiktok_import.importer import ImportConfig, run_import\n"
        f"run_import(ImportConfig(output_dir={str(output_dir)!r}, run_id={run_id!r}, "
        f"emulator_options={EMULATOR!r}, **{CATALOG!r}), progress=False)\n"
    )
    return subprocess.Popen([sys.executable, "-c", script])


def _catalog(run_folder):
    """What a run holds: product bodies by id, and failed ids."""

    def lines(name):
        with gzip.open(run_folder / "raw" / name, "rt", encoding="utf-8") as stream:
            return [json.loads(line) for line in stream]

    bodies = lines("products.jsonl.gz")
    failures = lines("fetch_failures.jsonl.gz")
    by_id = {body["data"]["id"]: body["data"] for body in bodies}
    assert len(by_id) == len(bodies), "a product body was stored twice"
    failed = [record["product_id"] for record in failures]
    assert len(set(failed)) == len(failed), "a failure was recorded twice"
    return by_id, set(failed)


def _checkpoint(run_folder):
    try:
        return json.loads((run_folder / "checkpoint.json").read_text())
    except (OSError, ValueError):  # not written yet, or being replaced
        return None


def _kill_during(process, run_folder, phase, rng, timeout):
    """SIGKILL the import at a random point of its search walk or its detail calls."""
    pages_wanted = rng.randint(1, 20)
    delay = rng.uniform(0.0, 0.4)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        checkpoint = _checkpoint(run_folder)
        if checkpoint:
            walk = checkpoint.get("walk") or {"done": [], "pending": []}
            pages = sum(w["pages"] for w in walk["done"] + walk["pending"])
            if phase == "search" and pages >= pages_wanted:
                break
            if phase == "details" and checkpoint["search_done"]:
                time.sleep(delay)
                break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def _phase(run_folder):
    """Where a killed run stopped: not started, search, details, or its status."""
    manifest = run_folder / "manifest.json"
    if not manifest.exists():
        return "not started"
    status = json.loads(manifest.read_text())["status"]
    checkpoint = run_folder / "checkpoint.json"
    if status != "running" or not checkpoint.exists():
        return status if status != "running" else "search"
    return "details" if json.loads(checkpoint.read_text())["search_done"] else "search"


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("clean")
    started = time.monotonic()
    process = _launch(output_dir, "clean")
    assert process.wait(timeout=300) == 0
    return _catalog(output_dir / "clean"), time.monotonic() - started


@pytest.mark.slow
def test_killed_runs_resume_to_the_clean_catalog(clean_run, tmp_path):
    (clean_bodies, clean_failed), clean_seconds = clean_run
    rng = random.Random(20261203)
    phases = []
    for trial in range(TRIALS):
        run_id = f"killed-{trial}"
        process = _launch(tmp_path, run_id)
        # Half the kills aim at the search walk, half at the detail calls; where in
        # the phase they land is random.
        target = "search" if trial % 2 == 0 else "details"
        _kill_during(process, tmp_path / run_id, target, rng, clean_seconds * 3)
        phases.append(_phase(tmp_path / run_id))
        assert phases[-1] != "failed", "SIGKILL leaves no chance to write 'failed'"

        result = run_import(_config(tmp_path, run_id), progress=False, resume=True)

        assert result.manifest["status"] == "complete"
        bodies, failed = _catalog(result.run_folder)
        assert bodies == clean_bodies
        assert failed == clean_failed
        assert result.manifest["counts"] == {
            "found": len(clean_bodies) + len(clean_failed),
            "fetched": len(clean_bodies),
            "failed": len(clean_failed),
        }
        assert not (result.run_folder / "checkpoint.json").exists()
        # The killed attempt's calls count too, as of its last checkpoint: every
        # stored search page was a search call.
        with gzip.open(result.run_folder / "raw" / "search_pages.jsonl.gz") as raw:
            pages = sum(1 for _ in raw)
        requests = result.manifest["requests"]["by_endpoint"]
        assert requests.get("search", 0) >= pages
        assert requests.get("product", 0) >= len(bodies) + len(failed)
    # The kills should land in both phases of the run, not only before or after it.
    assert {"search", "details"} <= set(phases), phases


def test_resuming_a_run_killed_before_its_manifest_starts_it(tmp_path):
    (tmp_path / "early" / "notebooks").mkdir(parents=True)  # all such a run leaves
    result = run_import(_config(tmp_path, "early"), progress=False, resume=True)
    assert result.manifest["status"] == "complete"
    assert result.manifest["counts"]["found"] == CATALOG["catalog_size"]


def test_resuming_a_run_id_that_has_no_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="there is no run 'typo' in .* to resume"):
        run_import(_config(tmp_path, "typo"), progress=False, resume=True)
    assert not (tmp_path / "typo").exists()


def test_resuming_a_complete_run_changes_nothing(tmp_path):
    first = run_import(_config(tmp_path, "done"), progress=False)
    before = (first.run_folder / "raw" / "products.jsonl.gz").read_bytes()
    again = run_import(_config(tmp_path, "done"), progress=False, resume=True)
    assert again.manifest == first.manifest
    assert (first.run_folder / "raw" / "products.jsonl.gz").read_bytes() == before


def test_a_run_folder_moved_before_its_resume_records_where_it_is_now(tmp_path):
    import shutil

    run_import(_config(tmp_path / "first", "moved"), progress=False)
    manifest_path = tmp_path / "first" / "moved" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["status"] = "failed"
    manifest_path.write_text(json.dumps(manifest))
    shutil.move(tmp_path / "first", tmp_path / "second")

    result = run_import(
        _config(tmp_path / "second", "moved"), progress=False, resume=True
    )

    assert result.run_folder == tmp_path / "second" / "moved"
    assert result.manifest["status"] == "complete"
    assert result.manifest["parameters"]["output_dir"] == str(tmp_path / "second")
