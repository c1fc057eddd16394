"""Scoring model files: saving and loading risk model artefacts."""
