"""Distinct default colors for new labels (Glasbey-like, readable on light and dark images)."""

from __future__ import annotations

PALETTE = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#bfef45",
    "#fabed4",
    "#469990",
    "#dcbeff",
    "#9a6324",
    "#fffac8",
    "#800000",
    "#aaffc3",
    "#808000",
    "#ffd8b1",
    "#000075",
    "#a9a9a9",
    "#ffe119",
)


def default_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def default_hotkey(index: int) -> str | None:
    """1..9 then 0 for the first ten labels, as the number row reads."""
    return "1234567890"[index] if index < 10 else None
