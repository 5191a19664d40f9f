"""Screens: Flet controls that render view-model state and forward the user's intents (no store, no
network)."""
