"""The annotation canvas: view, items, tools, layers, undo, loading and prefetch."""

from s2ide.ui.canvas._refcount import pin_booleans

pin_booleans()
