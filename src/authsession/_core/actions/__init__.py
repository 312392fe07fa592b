"""One module per REST action; each exposes ``get``/``post`` taking the request context."""
