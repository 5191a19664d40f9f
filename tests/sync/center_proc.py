"""Run a district center for the tests in its own process: ``python -m tests.sync.center_proc DIR``.

Prints one JSON line ``{"url", "port", "database_url"}`` when it serves, then runs until killed. Used where
the test process must not have server threads (it forks station processes to SIGKILL them).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tests.sync.harness import start_center


def main() -> None:
    handle = start_center(Path(sys.argv[1]))
    print(
        json.dumps({"url": handle.url, "port": handle.port, "database_url": handle.settings.database_url}),
        flush=True,
    )
    while handle.thread.is_alive():
        time.sleep(0.5)


if __name__ == "__main__":
    main()
