"""Helpers for the notebooks: short errors for analysts, logging to the cell output."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from .errors import ConfigError, TikTokImportError

# Names a secret goes by: papermill writes every parameter into the executed
# notebook, so a secret passed as one would be kept there in clear.
_SECRET_NAME = re.compile(
    r"secret|token|passw|pwd|api_key|private_key|(?:^|_)sign(?:_|$)|^sig$",
    re.IGNORECASE,
)
# What IPython itself puts in a notebook's namespace.
_SHELL_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}
_LITERAL_TYPES = (str, bytes, int, float, list, tuple, dict, type(None))


def _show_one_line(shell, etype, value, tb, tb_offset=None):  # noqa: ANN001
    # A mistake in the parameters or the input is the analyst's to fix: one line,
    # no traceback. Bugs (any other exception) keep IPython's full traceback.
    # IPython leaves showing the error to the handler; the kernel's _showtraceback
    # sends it as the cell's error output, which papermill and nbval read.
    one_line = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, one_line)
    return one_line


def secret_looking(names: Iterable[str]) -> list[str]:
    """The names among `names` that look like they hold a secret, sorted."""
    return sorted(
        name
        for name in names
        if not name.startswith("_")
        and name not in _SHELL_NAMES
        and _SECRET_NAME.search(name)
    )


def _parameter_names(namespace: dict[str, Any]) -> list[str]:
    # Parameters are plain literals; modules, classes and functions never are.
    return [
        name for name, value in namespace.items() if isinstance(value, _LITERAL_TYPES)
    ]


def refuse_secret_parameters(names: Iterable[str], where: str = "notebook") -> None:
    """Raise ConfigError when a parameter's name looks like a secret."""
    found = secret_looking(names)
    if found:
        raise ConfigError(
            f"{where}: parameter {', '.join(found)} looks like a secret, and "
            "notebook parameters are written into the executed notebook; pass no "
            "secret as a parameter: set TIKTOK_APP_SECRET, TIKTOK_ACCESS_TOKEN and "
            "TIKTOK_REFRESH_TOKEN in the environment or in .env instead"
        )


def setup(
    level: int = logging.WARNING, namespace: dict[str, Any] | None = None
) -> None:
    """Call once at the top of a notebook: one-line errors, log lines from `level` up.

    It refuses a secret-looking variable among the notebook's parameters (the
    literals in the notebook's namespace, or in `namespace`): papermill has written
    its value into the executed notebook. The run's own `import.log` still gets
    every INFO line.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: no shell to set up
        get_ipython = None  # noqa: N806
    shell = get_ipython() if get_ipython is not None else None
    if shell is not None:
        shell.set_custom_exc((TikTokImportError,), _show_one_line)
        if namespace is None:
            namespace = shell.user_ns
    refuse_secret_parameters(_parameter_names(namespace or {}), "notebook parameters")
    if get_ipython is None:
        return
    package_log = logging.getLogger("tiktok_import")
    if not any(getattr(h, "_notebook", False) for h in package_log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._notebook = True
        package_log.addHandler(handler)
    for handler in package_log.handlers:
        if getattr(handler, "_notebook", False):
            handler.setLevel(level)
