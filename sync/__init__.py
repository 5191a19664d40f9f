"""Station <-> district center protocol (shapes, canonical encoding, signatures) and the sync engine."""
