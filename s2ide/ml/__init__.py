"""Models in plain torch (no Qt): datasets from the store, training, prediction, registry."""
