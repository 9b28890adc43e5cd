"""One module a channel: verify, parse, send, each in the provider's real wire format."""
