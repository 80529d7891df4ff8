"""Finding a dataset file: a local path first, then a download, else a clear error.

Every loader in `datasets/` resolves its files with `resolve_file`:

1. `<data_dir>/<filename>` when `data_dir` is given and the file is there
   (tests and benchmarks pass `../shared/data/<dataset>`);
2. otherwise, when the dataset has a known URL and `download=True`, the file
   fetched with `keras.utils.get_file` into Keras' cache
   (`~/.keras/datasets/<cache_subdir>/`), which is reused on later calls;
3. otherwise a `FileNotFoundError` naming exactly which file to put where.
"""

import os
import pathlib


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
    source: str = "",
    download: bool = True,
) -> pathlib.Path:
    """Returns the path of one dataset file, downloading it when allowed.

    Args:
        dataset: str, the dataset's name, used in messages and as the cache
            sub-folder.
        filename: str, the file's name inside `data_dir`.
        data_dir: folder holding the file, or `None`. Defaults to `None`.
        url: str or `None`, where to download the file from when it is not
            local. Defaults to `None` (no download).
        source: str, where the file can be obtained, for the error message.
            Defaults to `""`.
        download: bool, whether a missing file may be downloaded.
            Defaults to `True`.

    Returns:
        `pathlib.Path` of an existing file.

    Raises:
        FileNotFoundError: if the file is neither local nor downloadable
            (no URL, `download=False`, or the download failed, e.g. offline).
    """
    if data_dir is not None:
        path = pathlib.Path(data_dir) / filename
        if path.is_file():
            return path
    message = missing_file_message(dataset, filename, data_dir, source or url)
    if not (url and download):
        raise FileNotFoundError(message)
    import keras

    try:
        fetched = keras.utils.get_file(
            fname=filename, origin=url, cache_subdir=os.path.join(
                "datasets", dataset)
        )
    except Exception as error:  # network errors come in many types
        raise FileNotFoundError(
            f"{message} Downloading {url} failed: {error}"
        ) from None
    return pathlib.Path(fetched)
