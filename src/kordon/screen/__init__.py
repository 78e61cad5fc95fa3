"""Screen: rules that look at goods, parties and routes and return explained hits.

Importing this package registers every rule module with the registry.
"""

from kordon.screen import amendment, goods, parties, redflags, routes  # noqa: F401  (registration side effect)
from kordon.screen.context import ScreeningContext, build_context
from kordon.screen.pipeline import screen_declaration
from kordon.screen.registry import RULES, rule

__all__ = ["RULES", "ScreeningContext", "build_context", "rule", "screen_declaration"]
