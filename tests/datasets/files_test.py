"""Tests for datasets/files.py: one-line errors naming the file and the fix."""

import gzip
import json
import zipfile

import pytest

from datasets import files

TEXT = "línea uno\nline two\n" * 50


def _raises(error_type, match, function, *args):
    """Calls `function(*args)`, expecting a one-line error naming `args[0]`."""
    with pytest.raises(error_type, match=match) as error:
        function(*args)
    message = str(error.value)
    assert str(args[0]) in message and "\n" not in message
    assert message.startswith("datasets: ")
    return message


def _gzip(path, data: bytes):
    path.write_bytes(gzip.compress(data, mtime=0))
    return path


def test_reads_plain_and_gzip_text_with_universal_line_breaks(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"one\r\ntwo\rthree\n")
    assert files.read_text(tmp_path / "a.txt") == "one\ntwo\nthree\n"
    path = _gzip(tmp_path / "a.txt.gz", TEXT.encode("utf-8"))
    assert files.read_text(path) == TEXT


def test_missing_file(tmp_path):
    message = _raises(FileNotFoundError, "not found", files.read_text,
                      tmp_path / "nothing.txt")
    assert "download it again, or pass --data_dir" in message


def test_truncated_corrupt_and_foreign_gzip(tmp_path):
    data = gzip.compress(TEXT.encode("utf-8"), mtime=0)
    path = tmp_path / "ptb.train.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    _raises(files.CorruptFileError, r"not a valid gzip file \(truncated",
            files.read_text, path)
    crc = bytearray(data)
    crc[-8] ^= 0xFF  # the CRC-32 in the trailer
    path.write_bytes(bytes(crc))
    _raises(files.CorruptFileError, "CRC check failed", files.read_text, path)
    path.write_bytes(TEXT.encode("utf-8"))  # plain text named .gz
    _raises(files.CorruptFileError, "Not a gzipped file", files.read_text,
            path)


def test_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "input.txt"
    path.write_bytes(b"abc\xff")
    _raises(files.CorruptFileError, r"not UTF-8 text \(byte 3",
            files.read_text, path)
    # A file cut inside a multi-byte character.
    path.write_bytes("床前".encode("utf-8")[:-1])
    _raises(files.CorruptFileError, "not UTF-8", files.read_text, path)


def test_json_truncated_plain_and_gzip(tmp_path):
    document = {"images": [{"id": 1}], "text": "床"}
    encoded = json.dumps(document, ensure_ascii=False).encode("utf-8")
    path = _gzip(tmp_path / "poems.json.gz", encoded)
    assert files.read_json(path) == document
    path = tmp_path / "captions.json"
    path.write_bytes(encoded[:-1])
    message = _raises(files.CorruptFileError, "not valid JSON",
                      files.read_json, path, "fix it like this")
    assert message.endswith("; fix it like this.")
    _gzip(tmp_path / "poems.json.gz", encoded[:-1])
    _raises(files.CorruptFileError, "not valid JSON", files.read_json,
            tmp_path / "poems.json.gz")


def test_zip_truncated_and_member_damaged(tmp_path):
    path = tmp_path / "images.zip"
    with zipfile.ZipFile(path, "w") as archive:  # stored, as JPEGs are
        archive.writestr("images/a.jpg", b"A" * 1000)
    data = path.read_bytes()
    with files.open_zip(path) as archive:
        assert files.read_member(archive, "images/a.jpg") == b"A" * 1000
        with pytest.raises(FileNotFoundError,
                           match=f"{path}:images/b.jpg not found"):
            files.read_member(archive, "images/b.jpg")
    damaged = bytearray(data)
    damaged[data.index(b"A" * 10) + 500] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with files.open_zip(path) as archive:
        with pytest.raises(files.CorruptFileError) as error:
            files.read_member(archive, "images/a.jpg")
    assert f"{path}:images/a.jpg is damaged (Bad CRC-32" in str(error.value)
    path.write_bytes(data[: len(data) // 2])
    _raises(files.CorruptFileError, "not a valid zip file", files.open_zip,
            path)
    _raises(FileNotFoundError, "not found", files.open_zip,
            tmp_path / "other.zip")


def test_write_json_is_atomic(tmp_path):
    path = tmp_path / "vocabulary.json"
    files.write_json(path, ["<pad>", "\n", "床"])
    assert files.read_json(path) == ["<pad>", "\n", "床"]
    with pytest.raises(TypeError):
        files.write_json(path, [object()])  # fails half-way through
    assert files.read_json(path) == ["<pad>", "\n", "床"]
    assert [p.name for p in tmp_path.iterdir()] == ["vocabulary.json"]
