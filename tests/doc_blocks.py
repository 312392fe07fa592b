"""The ```python blocks of the README and docs/*.md, grouped into the programs they form.

A block is a program of its own unless the HTML comment on the line above its fence says
otherwise (the comment is invisible on GitHub and on the docs site):

- ``<!-- docs: id=NAME -->`` names the program the block starts;
- ``<!-- docs: continue=NAME -->`` appends the block to program NAME (``continue`` alone: to the
  page's previous program), for a block that uses names an earlier block defined;
- ``<!-- docs: pytest -->`` runs the program with pytest, because it is a test module;
- ``<!-- docs: no-run -->`` type-checks the program but does not run it (it imports a package
  only the reader has).

Flags are separated by spaces and belong to the program: the first block's and its
continuations' flags add up.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
PAGES = (README, *sorted((ROOT / "docs").glob("*.md")))

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*$")
_MARKER = re.compile(r"^\s*<!--\s*docs:(?P<flags>.*?)-->\s*$")


@dataclass
class Program:
    """One runnable unit: blocks of one page, joined in order."""

    page: Path
    name: str
    source: str = ""
    flags: set[str] = field(default_factory=set)
    #: (first line of the block in ``source``, its first line in the page), for error messages.
    origins: list[tuple[int, int]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.name}"

    @property
    def first_line(self) -> int:
        return self.origins[0][1]

    def page_line(self, line: int) -> int:
        """The line of ``page`` that holds ``line`` (1-based) of ``source``."""
        start, page_start = max((o for o in self.origins if o[0] <= line), default=self.origins[0])
        return page_start + line - start

    def add(self, code: str, page_line: int, flags: set[str]) -> None:
        if self.source:
            self.source += "\n\n"
        self.origins.append((self.source.count("\n") + 1, page_line))
        self.source += code
        self.flags |= flags


def _parse_marker(line: str) -> dict[str, str]:
    match = _MARKER.match(line)
    if match is None:
        return {}
    return {key: value for key, _, value in (word.partition("=") for word in match["flags"].split())}


def programs(page: Path) -> list[Program]:
    """The programs the ```python blocks of ``page`` form, in the order they start."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: dict[str, Program] = {}
    last: Program | None = None
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and _FENCE.match(lines[end]) is None:
            end += 1
        if fence["lang"] == "python":
            marker = _parse_marker(lines[index - 1]) if index else {}
            code = textwrap.dedent("\n".join(lines[index + 1 : end])) + "\n"
            flags = {key for key in marker if key not in ("id", "continue")}
            if "continue" in marker:
                target = found.get(marker["continue"]) if marker["continue"] else last
                if target is None:
                    raise ValueError(f"{page}:{index}: no program {marker['continue']!r} to continue")
            else:
                name = marker.get("id") or f"line{index + 2}"
                if name in found:
                    raise ValueError(f"{page}:{index}: a second program named {name!r}")
                target = found[name] = Program(page=page, name=name)
            target.add(code, index + 2, flags)
            last = target
        index = end + 1
    return list(found.values())


def all_programs() -> list[Program]:
    return [program for page in PAGES for program in programs(page)]
