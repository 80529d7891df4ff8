"""Tang poetry (全唐诗): 57,607 poems, traditional or simplified characters.

File format (chinese-poetry/chinese-poetry, joined; see
`../shared/data/tang_poetry/SOURCE.md`): a gzip-compressed UTF-8 JSON list,
one poem per element, `{"title": str, "author": str, "paragraphs": [str]}`,
each paragraph usually one couplet such as `"秦川雄帝宅，函谷壯皇居。"`.

- `tang_poems.json.gz`: traditional characters, as in the source;
- `tang_poems.simplified.json.gz`: the same converted with OpenCC `t2s`.

For language modelling a poem is the concatenation of its paragraphs and
poems are kept whole: one poem per line, so the line break marks the end of
a poem, and splits are made of whole poems (`split_poems`).
"""

import gzip
import json
import os
import zlib

from datasets.downloads import resolve_file

FILES = {
    "traditional": "tang_poems.json.gz",
    "simplified": "tang_poems.simplified.json.gz",
}
SOURCE = (
    "chinese-poetry/chinese-poetry: 全唐诗/poet.tang.*.json joined into one "
    "gzip JSON list of {title, author, paragraphs}; the simplified copy "
    "converted with OpenCC t2s"
)
# One poem in `HELD_OUT_MODULUS` goes to validation, one to test.
HELD_OUT_MODULUS = 20


def load_tang_poems(
    data_dir: os.PathLike | None = None,
    script: str = "simplified",
    download: bool = True,
) -> list[dict]:
    """Reads the poems with non-empty text.

    There is no single-file download of this corpus, so the file must be
    local.

    Args:
        data_dir: folder holding the `FILES`.
        script: `"simplified"` or `"traditional"`. Defaults to
            `"simplified"`.
        download: accepted for a uniform loader signature; nothing to
            download.

    Returns:
        list of poem dicts (`title`, `author`, `paragraphs`).

    Raises:
        ValueError: for an unknown `script`.
        FileNotFoundError: naming the file and where to put it.
    """
    if script not in FILES:
        raise ValueError(
            f"Received `script={script!r}`; expected one of {sorted(FILES)}."
        )
    path = resolve_file(
        "tang_poetry", FILES[script], data_dir, url=None, source=SOURCE,
        download=download,
    )
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        poems = json.load(handle)
    return [p for p in poems if poem_text(p)]


def poem_text(poem: dict) -> str:
    """A poem's text: its paragraphs joined, line breaks removed."""
    return "".join(poem.get("paragraphs") or []).replace("\n", "")


def split_poems(poems: list[dict]) -> tuple[list, list, list]:
    """Splits whole poems by a CRC32 of their text: about 90/5/5.

    A hash of the text (not the position) decides, so the split does not
    change when poems are added or reordered.

    Returns:
        `(train, validation, test)` lists of poems.
    """
    splits = ([], [], [])
    for poem in poems:
        bucket = zlib.crc32(poem_text(poem).encode("utf-8")) % HELD_OUT_MODULUS
        splits[{0: 1, 1: 2}.get(bucket, 0)].append(poem)
    return splits


def poems_to_text(poems: list[dict]) -> str:
    """One poem per line, each line ending with `\\n`."""
    return "".join(poem_text(p) + "\n" for p in poems)
