"""Incremental imports: what to fetch again, what to carry forward, what is gone.

The search walk still lists every product (one call per hundred): a search
filtered on update_time cannot show which products disappeared. Only products
that are new, or whose update_time moved past the one stored by the previous
complete run of the shop, get a Get Product call; the previous run's bodies are
carried forward for the rest.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .storage import MANIFEST, RunFolder

log = logging.getLogger(__name__)


@dataclass
class IncrementalPlan:
    """The previous run, and the products to fetch, carry forward or mark as gone."""

    since_run: str
    fetch: list[str] = field(default_factory=list)
    carry: dict[str, bytes] = field(default_factory=dict)
    disappeared: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {
            "since_run": self.since_run,
            "fetched_again": len(self.fetch),
            "carried_forward": len(self.carry),
            "disappeared": len(self.disappeared),
        }


def previous_complete_run(
    output_dir: str | Path,
    shop_id: str,
    source: str,
    this_run: str,
    same_parameters: dict[str, object] | None = None,
) -> RunFolder | None:
    """The latest complete run with details of the same shop, or None.

    `same_parameters` are parameters the previous run must share: an emulated
    shop keeps its id whatever the catalog's size and seed, but not its products.
    """
    best: tuple[str, Path] | None = None
    wanted = same_parameters or {}
    for path in Path(output_dir).glob(f"*/{MANIFEST}"):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            manifest.get("status") == "complete"
            and manifest.get("run_id") != this_run
            and manifest.get("source") == source
            and str((manifest.get("shop") or {}).get("id")) == str(shop_id)
            and (manifest.get("parameters") or {}).get("fetch_details", True)
            and all(
                (manifest.get("parameters") or {}).get(name) == value
                for name, value in wanted.items()
            )
        ):
            candidate = (manifest.get("finished_at") or "", path.parent)
            best = max(best, candidate) if best else candidate
    return RunFolder(best[1]) if best else None


def previous_bodies(run: RunFolder) -> dict[str, tuple[int, bytes]]:
    """Each product of a run as (update_time, its stored body line)."""
    path = run.raw("products.jsonl.gz")
    bodies: dict[str, tuple[int, bytes]] = {}
    try:
        with gzip.open(path, "rb") as stream:
            for line in stream:
                data = json.loads(line)["data"]
                bodies[str(data["id"])] = (int(data.get("update_time") or 0), line)
    except (OSError, EOFError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"{path} of the previous run cannot be read ({exc}): run a full import "
            "(without incremental)"
        ) from None
    return bodies


def plan(run: RunFolder, latest: dict[str, int]) -> IncrementalPlan:
    """Compare the walk's products and update times with the previous run's."""
    stored = previous_bodies(run)
    result = IncrementalPlan(since_run=run.path.name)
    for pid in sorted(latest):
        kept = stored.get(pid)
        if kept is not None and kept[0] >= latest[pid]:
            result.carry[pid] = kept[1]
        else:
            result.fetch.append(pid)
    result.disappeared = {
        pid: stamp for pid, (stamp, _) in stored.items() if pid not in latest
    }
    log.info(
        "incremental since run %s: %d to fetch, %d carried forward, %d disappeared",
        result.since_run,
        len(result.fetch),
        len(result.carry),
        len(result.disappeared),
    )
    return result
