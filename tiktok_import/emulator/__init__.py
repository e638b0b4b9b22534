"""A local TikTok Shop Partner API: the real contract over a generated catalog.

    with Emulator(EmulatorConfig(size=500, seed=7)) as emu:
        emu.base_url, emu.app_key, emu.app_secret, emu.issue_auth_code()

Modules: `catalog` (the Indonesian seller's products), `search` (filters and
page tokens), `contract` (signing, timestamp, token, shop_cipher), `tokens`,
`throttle`, `faults`, `app` (the WSGI application), `server` (running it).
"""

from .catalog import Catalog, generate_catalog, write_ground_truth
from .config import EmulatorConfig
from .faults import FAULT_CLASSES
from .server import Emulator, serve

__all__ = [
    "FAULT_CLASSES",
    "Catalog",
    "Emulator",
    "EmulatorConfig",
    "generate_catalog",
    "serve",
    "write_ground_truth",
]
