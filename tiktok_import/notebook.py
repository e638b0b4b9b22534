"""Helpers for the notebooks: short errors for analysts, logging to the cell output."""

from __future__ import annotations

import logging

from .errors import TikTokImportError


def _show_one_line(shell, etype, value, tb, tb_offset=None):  # noqa: ANN001
    # A mistake in the parameters or the input is the analyst's to fix: one line,
    # no traceback. Bugs (any other exception) keep IPython's full traceback.
    # IPython leaves showing the error to the handler; the kernel's _showtraceback
    # sends it as the cell's error output, which papermill and nbval read.
    one_line = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, one_line)
    return one_line


def setup(level: int = logging.WARNING) -> None:
    """Call once at the top of a notebook: one-line errors, log lines from `level` up.

    The run's own `import.log` still gets every INFO line.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to set up
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((TikTokImportError,), _show_one_line)
    package_log = logging.getLogger("tiktok_import")
    if not any(getattr(h, "_notebook", False) for h in package_log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._notebook = True
        package_log.addHandler(handler)
    for handler in package_log.handlers:
        if getattr(handler, "_notebook", False):
            handler.setLevel(level)
