"""Index: lookup structures built once from the lists, queried per declaration."""
