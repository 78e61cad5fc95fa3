"""Record: the store of declarations, decisions and the list versions they used."""
