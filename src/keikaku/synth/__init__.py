"""Deterministic synthetic plans at small, prefecture or national scale, for benchmarks (developer tooling:
only ``keikaku synth`` and ``bench/`` use it)."""
