"""docs/performance.png from the latest results: HTTP throughput and latency tail per case, and in-process cost.

matplotlib comes from the benchmark's own site (``bench/peers/python``), not the project.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.peers import ROOT

OUTPUT = ROOT / "docs" / "performance.png"
_COLORS = {"floor": "#9e9e9e", "authsession": "#1f77b4", "peer": "#d62728"}


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.is_file() else None


def draw(inprocess_json: Path, http_json: Path, output: Path = OUTPUT) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    inprocess, http = _load(inprocess_json), _load(http_json)
    panels: list[Callable[[Any], None]] = []
    if http is not None:
        panels += [functools.partial(_throughput_panel, http=http), functools.partial(_tail_panel, http=http)]
    if inprocess is not None:
        panels.append(functools.partial(_inprocess_panel, inprocess=inprocess))
    if not panels:
        raise FileNotFoundError("no results yet: run `python -m bench` or `python -m bench http` first")
    fig, axes = plt.subplots(len(panels), 1, figsize=(13, 6.5 * len(panels)), squeeze=False)
    for row, panel in enumerate(panels):
        panel(axes[row][0])
    fig.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=110)
    plt.close(fig)
    return output


def _throughput_panel(ax: Any, http: dict[str, Any]) -> None:
    _http_bars(ax, http, lambda run: run["rps"], lambda conns: True)
    ax.set_ylabel("requests / s (higher is better)")
    m = http["machine"]
    ax.set_title(
        f"HTTP throughput, wrk on 127.0.0.1, {http['duration_s']:g} s per case — {m['nproc']} cores, {m['cpu']},"
        f" Python {m['python']}, Node {m['node']}",
        fontsize=10,
    )


def _tail_panel(ax: Any, http: dict[str, Any]) -> None:
    from bench.http import TAIL_CONNECTIONS, TAIL_TARGET, _tail

    _http_bars(ax, http, _tail, lambda conns: conns == TAIL_CONNECTIONS)
    ax.axhline(TAIL_TARGET, color="#555555", linestyle="--", linewidth=1)
    ax.set_ylabel("p99 / p50 (lower is better; dashed: the target)")
    ax.set_title(f"Latency tail: p99 over p50 at {TAIL_CONNECTIONS} connections, same run", fontsize=10)


def _http_bars(
    ax: Any, http: dict[str, Any], value: Callable[[dict[str, Any]], float], shown: Callable[[int], bool]
) -> None:
    """One bar per server and case (``value`` of its median run), for the connection counts ``shown``."""
    from bench.http import cases

    found = cases(http)
    servers = [k for k in http["servers"] if any(key[0] == k for key in found)]
    order = ["session", "profile", "session-anon", "profile-anon"]
    groups = sorted({(e, c) for _, e, c in found if shown(c)}, key=lambda c: (order.index(c[0]), c[1]))
    width = 0.8 / max(1, len(servers))
    colors = _server_colors([s for s in servers if "@" not in s])
    for i, server in enumerate(servers):
        values = [value(found[(server, e, c)]) if (server, e, c) in found else 0 for e, c in groups]
        positions = [g + (i - (len(servers) - 1) / 2) * width for g in range(len(groups))]
        # A server of --baseline (key@base) in its own server's colour, hatched.
        before = "@" in server
        color = colors[server.split("@", 1)[0]]
        ax.bar(
            positions,
            values,
            width,
            label=http["servers"][server],
            color=color,
            hatch="//" if before else None,
            alpha=0.55 if before else 1.0,
        )
    ax.set_xticks(range(len(groups)), [f"{e}\n{c} conns" for e, c in groups])
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.grid(axis="y", alpha=0.3)


def _server_colors(servers: list[str]) -> dict[str, Any]:
    import matplotlib

    # Next.js red; the demo in purples; authsession's JWT servers in blues, its database servers in greens.
    out: dict[str, Any] = {"next": "#d62728", "demo-1w": "#9467bd", "demo-2w": "#6a3d9a"}
    for family, cmap in ((lambda k: not k.startswith("db-"), "Blues"), (lambda k: k.startswith("db-"), "Greens")):
        ours = [s for s in servers if s not in out and family(s)]
        for i, key in enumerate(ours):
            out[key] = matplotlib.colormaps[cmap](0.4 + 0.55 * i / max(1, len(ours) - 1))
    return out


def _inprocess_panel(ax: Any, inprocess: dict[str, Any]) -> None:
    rows = inprocess["rows"]
    labels = [f"{r['format']}  {r['case']}" for r in rows]
    values = [r["median_us"] for r in rows]
    colors = [_COLORS[r["kind"]] for r in rows]
    positions = list(range(len(rows)))[::-1]
    ax.barh(positions, values, color=colors)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("median µs per call, log scale (lower is better)")
    for pos, r in zip(positions, rows, strict=True):
        ax.text(
            r["median_us"] * 1.05, pos, f"{r['median_us']:.1f} µs  ({r['ratio']:.1f}x floor)", va="center", fontsize=7
        )
    ax.set_title(
        f"In-process session reads (grey: floor, blue: authsession, red: peers) — Python {inprocess['python']},"
        f" Node {inprocess['node']}",
        fontsize=10,
    )
    ax.grid(axis="x", alpha=0.3)
