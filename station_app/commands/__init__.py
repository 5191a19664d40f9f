"""Sub-commands of ``station-app``; each module exposes ``register(subparsers)``.

A command module sets ``func`` on its parser with ``set_defaults(func=...)``;
``func(args) -> int`` is the exit code.
"""

# Modules listed here are imported by ``station_app.cli`` in this order.
COMMAND_MODULES: list[str] = [
    "serve",
    "demo",
    "init",
    "verify",
    "enroll",
    "sync",
    "bundle",
]
