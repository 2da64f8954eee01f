"""Adding and changing labels: role check, hotkey clash check, one transaction and an audit row.

The label editor dialog and any script go through here, so a clash or a labeler's edit is
refused the same way everywhere and every change is attributable.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from s2ide.core.errors import InvalidInputError
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store
from s2ide.core.store.records import Label

HOTKEYS = tuple("1234567890")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _check(store: Store, label_id: int | None, fields: dict[str, Any]) -> None:
    if "name" in fields:
        fields["name"] = str(fields["name"]).strip()
        if not fields["name"]:
            raise InvalidInputError("a label needs a name")
    if "color" in fields and not _COLOR.match(str(fields["color"])):
        raise InvalidInputError(f"color {fields['color']!r} is not of the form #rrggbb")
    if "hotkey" in fields:
        key = fields["hotkey"] or None
        fields["hotkey"] = key
        if key is not None:
            if key not in HOTKEYS:
                raise InvalidInputError(f"hotkey {key!r} is not one of 1-9 or 0")
            owner = store.labels.hotkey_owner(key)
            if owner is not None and owner.id != label_id:
                raise InvalidInputError(f"hotkey {key} is already used by label {owner.name!r}")


def create_label(
    store: Store, user: str, name: str, color: str, hotkey: str | None = None, description: str = ""
) -> Label:
    require(store, user, Action.EDIT_LABELS)
    fields: dict[str, Any] = {"name": name, "color": color, "hotkey": hotkey, "description": description}
    _check(store, None, fields)
    with store.transaction():
        label = store.labels.create(fields["name"], fields["color"], fields["hotkey"], fields["description"])
        store.audit.record(user, "create", "label", label.id, None, asdict(label))
    return label


def update_label(store: Store, user: str, label_id: int, **fields: Any) -> Label:
    """Change some of name, color, hotkey, description, guideline; unchanged fields are left out."""
    require(store, user, Action.EDIT_LABELS)
    before = store.labels.get(label_id)
    _check(store, label_id, fields)
    changed = {key: value for key, value in fields.items() if getattr(before, key, object()) != value}
    if not changed:
        return before
    with store.transaction():
        after = store.labels.update(label_id, **changed)
        store.audit.record(user, "update", "label", label_id, {k: getattr(before, k) for k in changed}, dict(changed))
    return after
