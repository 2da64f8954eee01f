"""The annotation canvas: image view, annotation items, tools, layers, undo, prefetch."""
