"""Interop tests against a real Next.js 14 + next-auth 4 server."""
