import logging

from relaydesk.api.app import RedactTokens


def test_tokens_in_websocket_urls_are_redacted() -> None:
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", "/api/webchat/ws?token=abc.def&after=3"), None,
    )  # fmt: skip
    RedactTokens().filter(record)
    assert "abc.def" not in record.getMessage()
    assert "token=[redacted]&after=3" in record.getMessage()
