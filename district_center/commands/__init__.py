"""Sub-commands of ``district-center``; each module exposes ``register(subparsers)``.

A command module sets ``func`` on its parser with ``set_defaults(func=...)``; ``func(args) -> int`` is the
exit code.
"""

# Modules listed here are imported by ``district_center.cli`` in this order.
COMMAND_MODULES: list[str] = ["keys", "recover", "serve", "station", "user", "catalog", "calendar", "bundle"]
