"""Structurization: capture, motion gate, detectors, tracker, best shot, extractors, workers."""
