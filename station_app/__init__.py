"""Station app (便民服务站): the Flet UI for community workers and the resident kiosk.

Screens render state and forward intents to plain-Python services; no crypto, HTTP or TinyDB here.
"""
