"""Where the real data sets live for tests: `../shared/data` of the repo."""

import pathlib

import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def shared_dir(name: str, filename: str) -> pathlib.Path:
    """`../shared/data/<name>`, or skips the test saying what is missing."""
    folder = SHARED_DATA.resolve() / name
    if not (folder / filename).is_file():
        pytest.skip(f"real data absent: {folder / filename} (see "
                    "../shared/data/README.md)")
    return folder
