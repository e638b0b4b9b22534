"""The emulator's settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ConfigError
from .faults import check_faults


@dataclass
class EmulatorConfig:
    """How the emulated Partner API behaves.

    `size` is the number of products per shop; `rps` the requests per second
    the API accepts before throttling (None or 0: never); `faults` maps a fault
    class (faults.FAULT_CLASSES) to the share of API calls it hits.
    """

    size: int = 500  # products per shop
    seed: int = 7  # same seed, same catalog
    shops: int = 1  # authorized shops under one token, each with its own catalog
    rps: float | None = 40.0  # token bucket rate (burst: one second's worth)
    faults: Mapping[str, float] = field(default_factory=dict)  # class -> rate 0..1
    token_ttl: float = 30.0  # access token lifetime, seconds
    refresh_ttl: float = 30 * 86_400  # refresh token lifetime, seconds
    slow_seconds: float = 3.0  # delay of the read_timeout fault
    port: int = 0  # 0: any free port
    app_key: str | None = None  # None: generated per emulator
    app_secret: str | None = None  # None: generated per emulator

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ConfigError(f"size must be 0 or more, got {self.size}")
        if self.shops < 1:
            raise ConfigError(f"shops must be 1 or more, got {self.shops}")
        if self.rps is not None and self.rps < 0:
            raise ConfigError(f"rps must be 0 (no throttle) or more, got {self.rps}")
        if self.token_ttl <= 0 or self.refresh_ttl <= 0:
            raise ConfigError("token_ttl and refresh_ttl must be positive seconds")
        if self.slow_seconds < 0:
            raise ConfigError(
                f"slow_seconds must be 0 or more, got {self.slow_seconds}"
            )
        if not 0 <= self.port <= 65_535:
            raise ConfigError(f"port must be 0..65535, got {self.port}")
        self.faults = check_faults(self.faults)
