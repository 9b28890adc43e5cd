"""HTTP and websocket entrypoints: parse, authorise, call one use case, answer."""
