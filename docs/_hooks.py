"""mkdocs hooks for the API reference (not a page of the site; see ``exclude_docs``).

The docstrings use Sphinx roles (:func:`encode`, :class:`~authsession.adapters.Adapter`) so they
read well in ``help()`` and editors. Markdown has no roles, so the rendered text would show the
``:func:`` prefix; this hook drops it, shortens a ``~``-prefixed path to its last name as Sphinx
does, and links a full ``authsession.`` path to its API reference entry when there is one. It
also drops the second colon of reST's ``::`` before a literal block.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:func|class|mod|meth|data|attr|exc|obj):<code>(~?)([\w.]+)</code>")


def _plain(match: re.Match[str]) -> str:
    tilde, path = match.groups()
    code = f"<code>{path.rsplit('.', 1)[-1] if tilde else path}</code>"
    if path.startswith("authsession.") and ("._" not in path or tilde):
        # A full path links to its entry in the API reference when it has one (mkdocs-autorefs).
        return f'<autoref identifier="{path}" optional>{code}</autoref>'
    return code


def on_page_content(html: str, **_: Any) -> str:
    # reST ends the paragraph before a literal block with "::"; Markdown shows both colons.
    return _ROLE.sub(_plain, html).replace("::</p>", ":</p>")
