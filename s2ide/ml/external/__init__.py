"""Bring your own model: ONNX files the user adds (SAM-family encoder/decoder pairs, Ultralytics
YOLO detectors and segmenters), checked by checksum and signature, run with onnxruntime.

ONNX only, so opening a model never runs code from it. onnxruntime is imported lazily.
"""
