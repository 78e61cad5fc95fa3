"""kordon: screen cross-border trade for export-control and sanctions-circumvention risk."""

__version__ = "0.1.0"
