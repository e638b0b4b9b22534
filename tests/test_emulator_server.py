"""Starting and stopping the emulator, with and without `with`, and serve()."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from tiktok_import.emulator import Emulator, EmulatorConfig, serve


def test_default_config_is_as_documented():
    config = EmulatorConfig()
    assert (config.size, config.seed, config.shops, config.rps) == (500, 7, 1, 40.0)
    assert config.faults == {}


def test_start_and_stop_without_with():
    emulator = Emulator(EmulatorConfig(size=5)).start()
    try:
        base_url = emulator.base_url
        assert base_url.startswith("http://127.0.0.1:")
        assert emulator.auth_base_url == base_url
        assert requests.get(f"{base_url}/nowhere", timeout=5).status_code == 404
    finally:
        emulator.stop()
    emulator.stop()  # harmless twice
    assert not emulator.running
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{base_url}/nowhere", timeout=5)


def test_a_fixed_port_is_freed_on_stop():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for _ in range(2):
        with Emulator(EmulatorConfig(size=5, port=port)) as emulator:
            assert emulator.port == port


def test_base_url_needs_a_running_emulator():
    with pytest.raises(RuntimeError, match="start"):
        _ = Emulator(EmulatorConfig(size=5)).base_url


def test_credentials_are_per_instance_unless_configured():
    first, second = Emulator(EmulatorConfig(size=5)), Emulator(EmulatorConfig(size=5))
    assert first.app_key != second.app_key
    assert first.app_secret != second.app_secret
    fixed = Emulator(EmulatorConfig(size=5, app_key="k1", app_secret="s1"))
    assert (fixed.app_key, fixed.app_secret) == ("k1", "s1")


def test_serve_blocks_until_the_emulator_stops():
    ready: list[Emulator] = []
    opened = threading.Event()

    def on_ready(emulator: Emulator) -> None:
        ready.append(emulator)
        opened.set()

    thread = threading.Thread(
        target=serve, args=(EmulatorConfig(size=5),), kwargs={"on_ready": on_ready}
    )
    thread.start()
    assert opened.wait(10)
    assert requests.get(f"{ready[0].base_url}/x", timeout=5).status_code == 404
    assert thread.is_alive()
    ready[0].stop()
    thread.join(5)
    assert not thread.is_alive()
