"""Import a TikTok Shop catalog, with its Tokopedia listings, via the Partner API."""

import logging
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tiktok-import")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
