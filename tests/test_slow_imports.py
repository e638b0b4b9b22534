"""The IRI parsers of jsonschema are built on first use, and still check IRIs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")

# Runs in a fresh interpreter: the deferral only means something before the first
# import of jsonschema, which this test process has long done.
_PROBE = """
import json, sys
from tiktok_import._slow_imports import defer_iri_parsers
defer_iri_parsers()
import jsonschema
before = type(sys.modules["rfc3987_syntax"]).__name__
checker = jsonschema.FormatChecker()
good = checker.conforms("https://toko.example/produk/sepatu", "iri")
bad = checker.conforms("http://[broken", "iri")
after = type(sys.modules["rfc3987_syntax"]).__name__
print(json.dumps({"before": before, "good": good, "bad": bad, "after": after}))
"""


def test_iri_parser_is_loaded_only_when_an_iri_is_checked():
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout
    probe = json.loads(out)

    assert probe["before"] == "_Deferred"
    assert probe["good"] is True
    assert probe["bad"] is False
    assert probe["after"] == "module"
