"""Ingest: read declarations, control lists and trade data into kordon's models."""
