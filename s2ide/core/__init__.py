"""Plain-Python core of s2ide: no Qt, no torch. Scripts and tests drive it without a window."""
