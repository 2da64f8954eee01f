"""Next for double-labeling: a labeler's owed second labels come before anything else.

Samples picked for double-labeling are first labeled through the normal queue; the second,
independent label is owed by another labeler. Serving those first keeps the agreement sample
filling as people work, instead of waiting for someone to open the review menu.
"""

from __future__ import annotations

from s2ide.core.review.agreement import waiting_for_second_label
from s2ide.core.review.users import Role
from s2ide.ui.shell.context import AppContext, NextProvider


class SecondLabelFirst:
    def __init__(self, fallback: NextProvider | None) -> None:
        self.fallback = fallback

    def __call__(self, context: AppContext, current: int | None) -> int | None:
        user = context.user
        if context.project is not None and user is not None and user.role == Role.LABELER:
            owed = [i for i in waiting_for_second_label(context.store, user.name) if i != current]
            if owed:
                return owed[0]
        return None if self.fallback is None else self.fallback(context, current)
