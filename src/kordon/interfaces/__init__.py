"""Interfaces: the CLI, the HTTP API, the web workspace and reports, all over kordon.service."""
