"""Where bundled resources live: `resources/` in a checkout, `s2ide/resources` in a wheel."""

from __future__ import annotations

from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2] / "resources"
_INSTALLED = Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    for root in (_CHECKOUT, _INSTALLED):
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"bundled resource {'/'.join(parts)} is missing from this installation")
