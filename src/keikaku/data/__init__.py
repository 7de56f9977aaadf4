"""Bundled default data sets (JSON in the interchange format)."""
