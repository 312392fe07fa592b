"""Server-side session work beyond page requests: WebSockets, bearer tokens, updates from a view."""
