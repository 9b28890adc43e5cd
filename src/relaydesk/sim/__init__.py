"""Simulation and replay: `eval` plays conversation scenarios through the real pipeline."""
