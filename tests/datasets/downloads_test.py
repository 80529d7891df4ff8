"""Tests for datasets/downloads.py: a data_dir only, verified downloads."""

import gzip
import hashlib

import keras
import pytest

from datasets import downloads, files, ptb, text
from tests.datasets.conftest import shared_dir

CONTENT = b"first line\nsecond line\n"
GOOD = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def served(tmp_path):
    """A `file://` URL serving `CONTENT`."""
    (tmp_path / "server").mkdir()
    path = tmp_path / "server" / "f.txt"
    path.write_bytes(CONTENT)
    return path.as_uri()


@pytest.fixture
def no_downloads(monkeypatch):
    def fail(**kwargs):
        raise AssertionError(f"keras.utils.get_file called with {kwargs}")

    monkeypatch.setattr(keras.utils, "get_file", fail)


def test_local_file_wins(tmp_path, no_downloads):
    (tmp_path / "f.txt").write_text("x")
    path = downloads.resolve_file("d", "f.txt", tmp_path, "http://x", GOOD)
    assert path == tmp_path / "f.txt"


def test_data_dir_never_downloads(tmp_path, served, no_downloads):
    with pytest.raises(FileNotFoundError) as error:
        downloads.resolve_file("d", "f.txt", tmp_path, served, GOOD)
    assert str(tmp_path / "f.txt") in str(error.value)
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "input.txt")):
        text.load_tinyshakespeare(tmp_path)
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "ptb.train")):
        ptb.load_ptb(tmp_path)


def test_good_hash_downloads_into_the_cache(tmp_path, served):
    path = downloads.resolve_file("d", "f.txt", url=served, sha256=GOOD,
                                  cache_dir=tmp_path / "cache")
    assert path == tmp_path / "cache" / "datasets" / "d" / "f.txt"
    assert path.read_bytes() == CONTENT


def test_bad_hash_is_refused(tmp_path, served):
    with pytest.raises(files.CorruptFileError) as error:
        downloads.resolve_file("d", "f.txt", url=served, sha256="0" * 64,
                               cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert served in message and "0" * 64 in message and "\n" not in message


def test_url_without_hash_is_refused(tmp_path, no_downloads):
    with pytest.raises(ValueError, match="without `sha256`"):
        downloads.resolve_file("d", "f.txt", url="http://x/f.txt")


def test_no_url_or_no_download_raises_with_location(no_downloads):
    for kwargs in ({}, {"url": "http://example.invalid/f.txt",
                        "sha256": GOOD, "download": False}):
        with pytest.raises(FileNotFoundError) as error:
            downloads.resolve_file("d", "f.txt", source="somewhere", **kwargs)
        assert "<data_dir>/f.txt and pass --data_dir" in str(error.value)


def test_failed_download_says_what_to_do(monkeypatch):
    def offline(**kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(FileNotFoundError) as error:
        downloads.resolve_file("d", "f.txt", None, "http://x/f.txt", GOOD)
    assert "<data_dir>/f.txt" in str(error.value)
    assert "network unreachable" in str(error.value)


def test_known_hashes_are_those_of_the_shared_copies():
    folder = shared_dir("tinyshakespeare", "input.txt")
    data = (folder / "input.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == text.TINYSHAKESPEARE_SHA256
    folder = shared_dir("ptb", "ptb.train.txt.gz")
    for split in ptb.SPLITS:
        data = gzip.decompress((folder / f"ptb.{split}.txt.gz").read_bytes())
        assert hashlib.sha256(data).hexdigest() == ptb.SHA256[split]
