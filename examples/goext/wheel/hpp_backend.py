"""A PEP 517 build backend for Go extension modules built by hpp.

Copy this file next to your pyproject.toml and name it there:

    [build-system]
    requires = []
    build-backend = "hpp_backend"
    backend-path = ["."]

Then `pip install --no-build-isolation .` runs `hpp build --wheel` for the
Python that pip runs under, with nothing to download. The hpp binary is
found on PATH, or named by the HPP environment variable; the Go toolchain
and a C compiler must be installed.
"""
import os
import shutil
import subprocess
import sys


def _hpp():
    exe = os.environ.get("HPP") or shutil.which("hpp")
    if not exe:
        raise RuntimeError("hpp_backend: the hpp binary is not on PATH; install it or set HPP=/path/to/hpp")
    return exe


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    out = subprocess.run([_hpp(), "build", "--wheel", "--python", sys.executable, "-o", wheel_directory, "."],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True)
    return os.path.basename(out.stdout.strip().splitlines()[-1])
