"""Station <-> district center protocol (message shapes, canonical encoding, signatures) and the sync engine."""
