"""Calibrated per-entity confidences: the shipped component, the calibration maths and fit, the review queue."""
