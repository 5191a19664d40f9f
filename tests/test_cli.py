"""Both console scripts are installed and answer --help."""

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("script", ["station-app", "district-center"])
def test_console_script_help(script):
    out = subprocess.run([str(BIN / script), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: {script}")
