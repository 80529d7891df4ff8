"""Finding a dataset file: a local folder, else a verified download.

Every loader in `datasets/` resolves its files with `resolve_file`:

1. when `data_dir` is given, `<data_dir>/<filename>`, and nothing else: a
   missing file is a `FileNotFoundError` naming that path, never a
   download (tests and benchmarks pass `../shared/data/<dataset>`);
2. otherwise, when the dataset has a known URL and `download=True`, the
   file fetched with `keras.utils.get_file` into Keras' cache
   (`~/.keras/datasets/<dataset>/`, reused on later calls) and checked
   against its sha256: every URL comes with the hash of the bytes it
   serves, and a file that does not match is refused;
3. otherwise a `FileNotFoundError` naming exactly which file to put where.
"""

import os
import pathlib

from datasets.files import CorruptFileError


def missing_file_message(
    dataset: str, filename: str, data_dir: os.PathLike | None, source: str
) -> str:
    """The error text telling the user which file to put where."""
    where = (
        f"{pathlib.Path(data_dir) / filename}"
        if data_dir
        else f"<data_dir>/{filename} and pass --data_dir <data_dir>"
    )
    return (
        f"Dataset {dataset!r}: file {filename!r} not found. Put it at "
        f"{where} ({source})."
    )


def resolve_file(
    dataset: str,
    filename: str,
    data_dir: os.PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    source: str = "",
    download: bool = True,
    cache_dir: os.PathLike | None = None,
) -> pathlib.Path:
    """Returns the path of one dataset file, downloading it when allowed.

    Args:
        dataset: str, the dataset's name, used in messages and as the cache
            sub-folder.
        filename: str, the file's name inside `data_dir`.
        data_dir: folder holding the file, or `None` to use the download.
            Defaults to `None`.
        url: str or `None`, where to download the file from when no
            `data_dir` is given. Defaults to `None` (no download).
        sha256: str, the hex sha256 of the bytes at `url`; required with
            `url`. Defaults to `None`.
        source: str, where the file can be obtained, for the error message.
            Defaults to `""` (the URL).
        download: bool, whether a missing file may be downloaded.
            Defaults to `True`.
        cache_dir: folder of Keras' download cache, or `None` for
            `$KERAS_HOME` or `~/.keras`. Defaults to `None`.

    Returns:
        `pathlib.Path` of an existing file.

    Raises:
        ValueError: for a `url` without `sha256`.
        FileNotFoundError: if the file is not in `data_dir`, or there is no
            `data_dir` and it cannot be downloaded (no URL,
            `download=False`, or the download failed, e.g. offline).
        CorruptFileError: if the downloaded bytes do not match `sha256`.

    Example:

    >>> import tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("x")
    >>> resolve_file("demo", "a.txt", folder) == folder / "a.txt"
    True
    """
    if url and not sha256:
        raise ValueError(
            f"Received `url={url!r}` without `sha256`; unverified downloads "
            "are refused: pass the file's hash (`sha256sum <file>`).")
    message = missing_file_message(dataset, filename, data_dir, source or url)
    if data_dir is not None:
        path = pathlib.Path(data_dir) / filename
        if path.is_file():
            return path
        raise FileNotFoundError(message)
    if not (url and download):
        raise FileNotFoundError(message)
    return _download(dataset, filename, url, sha256, cache_dir, message)


def _download(dataset, filename, url, sha256, cache_dir, message):
    """`keras.utils.get_file` with its errors as one-line messages."""
    import keras

    subdir = os.path.join("datasets", dataset)
    if cache_dir is not None:  # get_file falls back to /tmp for a new one
        os.makedirs(cache_dir, exist_ok=True)
    try:
        fetched = keras.utils.get_file(
            fname=filename, origin=url, file_hash=sha256,
            hash_algorithm="sha256", cache_subdir=subdir,
            cache_dir=None if cache_dir is None else os.fspath(cache_dir),
        )
    except ValueError:  # what get_file raises on a hash mismatch
        raise CorruptFileError(
            f"datasets: {url} (downloaded as {filename}) does not match its "
            f"sha256 {sha256}; try again later, or pass --data_dir with a "
            "good copy."
        ) from None
    except Exception as error:  # network errors come in many types
        raise FileNotFoundError(
            f"{message} Downloading {url} failed: {error}"
        ) from None
    return pathlib.Path(fetched)
