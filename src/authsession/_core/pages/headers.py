"""Response headers of the built-in pages (sign-in, sign-out, error, verify-request).

The pages hold forms that sign a visitor in and out, so no other site may frame them
(clickjacking), and they carry a CSRF token, so no cache may keep them. Their only active
content is an inline ``<style>``; the policy allows that and images, and nothing else. It has no
``form-action``: browsers apply it to the redirect after a submit too, which would block the
hop to an OAuth provider.
"""

from __future__ import annotations

from types import MappingProxyType

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: http: data:; "
    "frame-ancestors 'none'; base-uri 'none'"
)

PAGE_HEADERS = MappingProxyType(
    {
        "Content-Type": "text/html",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
)
