"""Put off a dependency's costly import-time work until something needs it.

`jsonschema` imports `rfc3987_syntax` for its `iri` and `iri-reference` format
checks, and that package builds about forty Earley parsers as it is imported:
1.3-1.9 s on a 2-core machine. `jsonschema` is imported by Great Expectations
(through altair) and by papermill (through nbformat), so every validation and every
pipeline run paid it, though neither ever checks an IRI here.
:func:`defer_iri_parsers` registers a stand-in that imports the real package the
first time one of its names is used, so an IRI check still gets the real parser.

TODO: drop this once jsonschema imports rfc3987_syntax lazily
(python-jsonschema/jsonschema#1428) or uses a parser that loads lazily.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

__all__ = ["defer_iri_parsers"]

_IRI_PACKAGE = "rfc3987_syntax"
_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in `sys.modules` for a package until one of its names is used."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_load(self), name)

    def is_valid_syntax(self, term: str, value: str) -> bool:
        """The package's `is_valid_syntax`; the name jsonschema imports from it."""
        return _load(self).is_valid_syntax(term, value)


def _load(stand_in: _Deferred) -> types.ModuleType:
    with _lock:
        if sys.modules.get(stand_in.__name__) is stand_in:
            del sys.modules[stand_in.__name__]
        return importlib.import_module(stand_in.__name__)


def defer_iri_parsers() -> None:
    """Import `rfc3987_syntax` on first use instead of when jsonschema is imported.

    Does nothing once the package has been imported (by jsonschema or anyone), or
    when it is not installed (jsonschema then has no `iri` checks anyway).
    """
    with _lock:
        if _IRI_PACKAGE in sys.modules:
            return
        spec = importlib.util.find_spec(_IRI_PACKAGE)
        if spec is None:
            return
        stand_in = _Deferred(_IRI_PACKAGE)
        stand_in.__spec__ = spec
        stand_in.__path__ = spec.submodule_search_locations  # its modules import
        sys.modules[_IRI_PACKAGE] = stand_in
