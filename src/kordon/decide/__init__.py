"""Decide: combine hits into a score, a lane and an action."""

from kordon.decide.lanes import decide, error_decision

__all__ = ["decide", "error_decision"]
