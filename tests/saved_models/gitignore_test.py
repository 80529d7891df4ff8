"""`.gitignore` drops exported versions under saved_models/, never code."""

import pathlib
import shutil
import subprocess

import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    shutil.which("git") is None or not (REPOSITORY / ".git").exists(),
    reason="needs git and a git checkout",
)
@pytest.mark.parametrize("path, ignored", [
    ("saved_models/addition/1/saved_model.pb", True),
    ("saved_models/chatbot/12/variables/variables.index", True),
    ("saved_models/addition/.tmp-export-host-1-abc/saved_model.pb", True),
    ("saved_models/models.config", True),
    ("saved_models/check/__init__.py", False),
    ("saved_models/export.py", False),
])
def test_only_exports_are_ignored(path, ignored):
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path], cwd=REPOSITORY,
        check=False,
    )
    assert (result.returncode == 0) == ignored
