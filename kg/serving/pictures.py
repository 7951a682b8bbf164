"""Inline SVG pictures drawn on the server, so they work offline and without JavaScript."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from html import escape


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    href: str
    kind: str = "other"  # "person", "org" or "other": picks the colour


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    weight: int


@dataclass(frozen=True)
class Event:
    label: str
    href: str
    when: date
    lane: str
    kind: str  # "meeting" or "round"


_COLOURS = {"person": "#2c6fbb", "org": "#c2571a", "other": "#6b7280"}


def network_svg(nodes: list[Node], edges: list[Edge], center: str | None = None) -> str:
    """Who met whom: nodes on a circle (the centre entity in the middle), lines for meetings."""
    if not nodes:
        return ""
    size, radius = 720, 250
    mid = size / 2
    ring = [n for n in nodes if n.key != center]
    positions: dict[str, tuple[float, float]] = {}
    for i, node in enumerate(ring):
        angle = 2 * math.pi * i / max(len(ring), 1) - math.pi / 2
        positions[node.key] = (mid + radius * math.cos(angle), mid + radius * math.sin(angle))
    if center is not None:
        positions[center] = (mid, mid)
    heaviest = max((e.weight for e in edges), default=1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" role="img" aria-label="Network of who met whom">'
    ]
    for edge in edges:
        if edge.a not in positions or edge.b not in positions:
            continue
        (x1, y1), (x2, y2) = positions[edge.a], positions[edge.b]
        width = 1 + 4 * math.log1p(edge.weight) / math.log1p(heaviest)
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="#9ca3af" stroke-width="{width:.1f}" stroke-opacity="0.7">'
            f"<title>{edge.weight} meeting{'s' if edge.weight != 1 else ''}</title></line>"
        )
    for node in nodes:
        x, y = positions[node.key]
        anchor = "middle" if node.key == center else ("start" if x >= mid else "end")
        dx = 0 if node.key == center else (9 if x >= mid else -9)
        dy = -12 if node.key == center else 4
        parts.append(
            f'<a href="{escape(node.href)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="7" '
            f'fill="{_COLOURS.get(node.kind, _COLOURS["other"])}"><title>{escape(node.label)}'
            f'</title></circle><text x="{x + dx:.1f}" y="{y + dy:.1f}" font-size="12" '
            f'text-anchor="{anchor}">{escape(_short(node.label))}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(events: list[Event]) -> str:
    """Meetings and negotiation rounds on a time axis, one lane per process."""
    if not events:
        return ""
    lanes = sorted({e.lane for e in events}, key=lambda lane: (lane != "Meetings", lane))
    first, last = min(e.when for e in events), max(e.when for e in events)
    start = date(first.year, 1, 1)
    end = date(last.year + 1, 1, 1)
    span = (end - start).days
    left, right, top, lane_height = 200, 20, 30, 34
    width = 960
    height = top + lane_height * len(lanes) + 20
    plot = width - left - right

    def x_of(day: date) -> float:
        return left + plot * (day - start).days / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Meetings and rounds by date">'
    ]
    for tick in _ticks(start, end):
        x = x_of(tick)
        label = str(tick.year) if tick.month == 1 else tick.strftime("%b")
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 20}" stroke="#e5e7eb"/>'
            f'<text x="{x + 2:.1f}" y="{top - 12}" font-size="11" fill="#4b5563">{label}</text>'
        )
    for index, lane in enumerate(lanes):
        y = top + lane_height * index + lane_height / 2
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
            f'{escape(_short(lane, 28))}</text><line x1="{left}" y1="{y:.1f}" '
            f'x2="{width - right}" y2="{y:.1f}" stroke="#d1d5db"/>'
        )
        for event in (e for e in events if e.lane == lane):
            colour = "#2c6fbb" if event.kind == "meeting" else "#15803d"
            parts.append(
                f'<a href="{escape(event.href)}"><circle cx="{x_of(event.when):.1f}" '
                f'cy="{y:.1f}" r="6" fill="{colour}" fill-opacity="0.8"><title>'
                f"{escape(event.when.isoformat())}: {escape(event.label)}</title></circle></a>"
            )
    parts.append("</svg>")
    return "".join(parts)


def parse_when(text: str) -> date | None:
    """The first day of an xsd:date, xsd:gYearMonth or xsd:gYear value."""
    pieces = text[:10].split("-")
    try:
        year = int(pieces[0])
        month = int(pieces[1]) if len(pieces) > 1 else 1
        day = int(pieces[2][:2]) if len(pieces) > 2 else 1
        return date(year, month, day)
    except (ValueError, IndexError):
        return None


def _ticks(start: date, end: date) -> list[date]:
    """Monthly ticks over a year, quarterly over three, else every year or more."""
    years = end.year - start.year
    step = 1 if years <= 1 else 3 if years <= 3 else 12 * max(1, years // 10)
    ticks, month = [], 0
    while (tick := date(start.year + month // 12, month % 12 + 1, 1)) < end:
        ticks.append(tick)
        month += step
    return ticks


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
