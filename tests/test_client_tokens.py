"""The client refreshes the token a request carried, not one it read earlier."""

from __future__ import annotations

from tiktok_import.client import PartnerClient
from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.retry import RateCeiling, RetryPolicy
from tiktok_import.tokens import MemoryTokenStore, TokenClient, TokenManager


class RefreshedWhileWaiting(RateCeiling):
    """On the first wait, another worker refreshes, then that token expires too."""

    def __init__(self, emulator: Emulator, tokens: TokenManager) -> None:
        super().__init__(1000)
        self.emulator, self.tokens, self.first = emulator, tokens, True

    def acquire(self) -> None:
        super().acquire()
        if self.first:
            self.first = False
            self.tokens.refresh(self.tokens.access_token())
            self.emulator.expire_access_tokens()


def test_a_token_replaced_while_the_request_waited_is_refreshed_once():
    with Emulator(EmulatorConfig(size=3, rps=None)) as emulator:
        token_client = TokenClient(
            emulator.auth_base_url, emulator.app_key, emulator.app_secret
        )
        tokens = TokenManager(
            token_client,
            MemoryTokenStore(),
            token_client.get(emulator.issue_auth_code()),
        )
        client = PartnerClient(
            emulator.base_url,
            emulator.app_key,
            emulator.app_secret,
            tokens,
            ceiling=RefreshedWhileWaiting(emulator, tokens),
            retry=RetryPolicy(1),  # no second attempt: the first must do
        )

        shops = client.get_authorized_shops()

    assert [shop["id"] for shop in shops] == [emulator.shops[0]["id"]]
    assert tokens.refreshes == 2  # the other worker's, then this request's own
