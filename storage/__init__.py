"""The station's encrypted, crash-safe local store: key slots, documents, blobs, audit log."""
