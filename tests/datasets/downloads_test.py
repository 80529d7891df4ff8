"""Tests for datasets/downloads.py: local first, download, clear errors."""

import keras
import pytest

from datasets import downloads


def test_local_file_wins(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    path = downloads.resolve_file("d", "f.txt", tmp_path, url="http://x")
    assert path == tmp_path / "f.txt"


def test_no_url_or_no_download_raises_with_location(tmp_path):
    for kwargs in ({}, {"url": "http://example.invalid/f.txt",
                        "download": False}):
        with pytest.raises(FileNotFoundError) as error:
            downloads.resolve_file("d", "f.txt", tmp_path, source="somewhere",
                                   **kwargs)
        assert str(tmp_path / "f.txt") in str(error.value)


def test_failed_download_says_what_to_do(tmp_path, monkeypatch):
    def offline(**kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(FileNotFoundError) as error:
        downloads.resolve_file("d", "f.txt", None, url="http://x/f.txt")
    assert "<data_dir>/f.txt" in str(error.value)
    assert "network unreachable" in str(error.value)


def test_download_goes_through_keras_get_file(tmp_path, monkeypatch):
    target = tmp_path / "cached.txt"
    target.write_text("x")
    seen = {}

    def fake_get_file(**kwargs):
        seen.update(kwargs)
        return str(target)

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    assert downloads.resolve_file("d", "f.txt", url="http://x/f.txt") == target
    assert seen["origin"] == "http://x/f.txt" and seen["fname"] == "f.txt"
