"""The project's own segmenter: a small U-Net for masks and polygons."""
