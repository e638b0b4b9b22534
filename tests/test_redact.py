"""Secrets never survive into log lines or messages."""

import logging

from tiktok_import.redact import RedactingFilter, redact, register_secret


def test_registered_values_and_secret_fields_are_masked():
    register_secret("SECRET-VALUE-123")
    text = (
        "GET /x?app_key=k&sign=abcdef0123&access_token=tok123 "
        '{"refresh_token": "rt-999"} SECRET-VALUE-123'
    )
    masked = redact(text)
    for secret in ("abcdef0123", "tok123", "rt-999", "SECRET-VALUE-123"):
        assert secret not in masked
    assert "app_key=k" in masked


def test_filter_renders_arguments_before_masking(caplog):
    register_secret("another-secret-456")
    logger = logging.getLogger("tiktok_import.test_redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="tiktok_import.test_redact"):
        logger.info("calling with %s", "another-secret-456")
    assert "another-secret-456" not in caplog.text
    assert "calling with ***" in caplog.text
