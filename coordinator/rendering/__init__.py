"""Rendering of plans and licences: PDF, SVG, text."""
