"""The Qt face of s2ide: the only package that imports Qt."""
