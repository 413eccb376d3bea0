"""Shared fixtures of the pytest suites that drive the kanscan binary (run by ctest, see
tests/cli/CMakeLists.txt): KANSCAN_BIN is the binary, KANSCAN_SOURCE the source tree."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(os.environ.get("KANSCAN_SOURCE", Path(__file__).resolve().parents[2]))
BIN = os.environ.get("KANSCAN_BIN", str(SOURCE / "build" / "scans" / "kanscan"))
sys.path.insert(0, str(SOURCE / "python"))


class Result:
    def __init__(self, p):
        self.code, self.out = p.returncode, p.stdout + p.stderr

    def __repr__(self):
        return f"exit {self.code}:\n{self.out}"


def kanscan(*args, cwd=None):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.run([BIN, *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    return Result(p)


@pytest.fixture
def run():
    return kanscan
