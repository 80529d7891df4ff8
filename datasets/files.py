"""Reading data files with one-line errors that name the file and the fix.

Every loader in `datasets/` reads its files through these functions, so a
missing, truncated or corrupt file stops with a message such as

```
datasets: /x/ptb.train.txt.gz is not a valid gzip file (CRC check failed
0x1 != 0x2); delete it and download it again, or pass --data_dir with a
good copy.
```

(one line) instead of a traceback from `gzip`, `zipfile` or `json`.
Missing files raise `FileNotFoundError`; files that exist but cannot be
read as their format raise `CorruptFileError`, a `ValueError`.

- `read_text`: UTF-8 text, plain or gzip-compressed (`.gz`), with line
  breaks normalised to `"\\n"` as Python's text mode does;
- `read_json`: a JSON document, plain or `.gz`;
- `open_zip` and `read_member`: a zip archive and one of its members;
- `write_json`: the one writer, atomic, for files a run writes itself.
"""

import gzip
import json
import os
import pathlib
import tempfile
import zipfile
import zlib

# What to do about a bad file that a loader can fetch again.
REFETCH = ("delete it and download it again, or pass --data_dir with a good "
           "copy")


class CorruptFileError(ValueError):
    """A data file that exists but cannot be read as its format.

    The message is one line naming the file, what is wrong and the fix.
    """


def require_file(path: os.PathLike, fix: str = REFETCH) -> pathlib.Path:
    """Returns `path` as a `pathlib.Path` if it is a file.

    Args:
        path: the file's path.
        fix: str, what the user should do, for the message. Defaults to
            `REFETCH`.

    Raises:
        FileNotFoundError: "datasets: <path> not found; <fix>."
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"datasets: {path} not found; {fix}.")
    return path


def read_bytes(path: os.PathLike, fix: str = REFETCH) -> bytes:
    """The bytes of a file, decompressed when its name ends in `.gz`.

    Args:
        path: the file's path.
        fix: str, what the user should do, for the messages. Defaults to
            `REFETCH`.

    Raises:
        FileNotFoundError: if the file is missing.
        CorruptFileError: if a `.gz` file is not gzip, truncated or fails
            its CRC check.
    """
    data = require_file(path, fix).read_bytes()
    if not str(path).endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except EOFError:
        reason = "truncated: the compressed data ends early"
    except (gzip.BadGzipFile, zlib.error) as error:
        reason = str(error)
    raise CorruptFileError(
        f"datasets: {path} is not a valid gzip file ({reason}); {fix}."
    )


def read_text(path: os.PathLike, fix: str = REFETCH) -> str:
    """UTF-8 text of a file, plain or `.gz`, line breaks as `"\\n"`.

    `"\\r\\n"` and `"\\r"` become `"\\n"`, as when Python opens a file in
    text mode.

    Args:
        path: the file's path.
        fix: str, what the user should do, for the messages. Defaults to
            `REFETCH`.

    Returns:
        str.

    Raises:
        FileNotFoundError: if the file is missing.
        CorruptFileError: for a bad `.gz` file or bytes that are not UTF-8.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_bytes(b"one\\r\\ntwo\\n")
    >>> read_text(path)
    'one\\ntwo\\n'
    """
    data = read_bytes(path, fix)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorruptFileError(
            f"datasets: {path} is not UTF-8 text (byte {error.start}: "
            f"{error.reason}); {fix}."
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_json(path: os.PathLike, fix: str = REFETCH):
    """The JSON document in a file, plain or `.gz`.

    Args:
        path: the file's path.
        fix: str, what the user should do, for the messages. Defaults to
            `REFETCH`.

    Returns:
        The decoded document (dict, list, ...).

    Raises:
        FileNotFoundError: if the file is missing.
        CorruptFileError: for a bad `.gz` file, bytes that are not UTF-8
            or text that is not JSON (a truncated file, say).
    """
    text = read_text(path, fix)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CorruptFileError(
            f"datasets: {path} is not valid JSON ({error.msg} at line "
            f"{error.lineno} column {error.colno}); {fix}."
        ) from None


def open_zip(path: os.PathLike, fix: str = REFETCH) -> zipfile.ZipFile:
    """Opens a zip archive for reading (close it, or use it in `with`).

    Args:
        path: the archive's path.
        fix: str, what the user should do, for the messages. Defaults to
            `REFETCH`.

    Raises:
        FileNotFoundError: if the file is missing.
        CorruptFileError: if it is not a zip archive (a truncated one has
            lost its directory, which sits at the end).
    """
    path = require_file(path, fix)
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise CorruptFileError(
            f"datasets: {path} is not a valid zip file ({error}); {fix}."
        ) from None


def read_member(
    archive: zipfile.ZipFile, member: str, fix: str = REFETCH
) -> bytes:
    """The bytes of one member of an open zip archive, CRC-checked.

    Args:
        archive: `zipfile.ZipFile` from `open_zip`.
        member: str, the member's name in the archive.
        fix: str, what the user should do, for the messages. Defaults to
            `REFETCH`.

    Raises:
        FileNotFoundError: if the archive has no such member.
        CorruptFileError: if the member's data is damaged.
    """
    where = f"{archive.filename}:{member}"
    try:
        return archive.read(member)
    except KeyError:
        raise FileNotFoundError(
            f"datasets: {where} not found; {fix}.") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise CorruptFileError(
            f"datasets: {where} is damaged ({error or 'truncated'}); {fix}."
        ) from None


def write_json(path: os.PathLike, document, indent: int | None = None) -> None:
    """Writes `document` as UTF-8 JSON, atomically.

    The file is written next to `path`, flushed to disk and renamed over
    it, so a reader never sees half a file, even after a crash.

    Args:
        path: the file to write.
        document: the JSON-ready value.
        indent: int spaces per level with sorted keys, for files people
            read (run configs); `None` writes one line. Defaults to `None`.
    """
    path = pathlib.Path(path)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
        suffix=".tmp", delete=False)
    try:
        with handle:
            json.dump(document, handle, ensure_ascii=False, indent=indent,
                      sort_keys=indent is not None)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise
