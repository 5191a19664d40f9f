"""Services: the station's application logic over the store, the sync engine and the domain (blocking
calls, run off the event loop by the screens)."""
