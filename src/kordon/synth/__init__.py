"""Synthetic declaration streams for tests, backtests and benchmarks (never for claims about real
detection rates). See docs/synthetic.md."""

from kordon.synth.generator import SCENARIOS, Generated, generate

__all__ = ["SCENARIOS", "Generated", "generate"]
