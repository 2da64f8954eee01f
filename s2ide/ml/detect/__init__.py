"""The project's own detector and segmenter (plain torch): data, networks, train, predict."""
