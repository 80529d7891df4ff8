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

Format of a regular poem (近体诗), as the corpus writes it: lines (句) of
`line_length` = 5 or 7 characters, each followed by one punctuation mark;
odd lines end with a comma `，`, even lines with a full stop `。` (also `？`
or `！`); a quatrain (绝句) has 4 lines, regulated verse (律诗) 8. For example
`床前明月光，疑是地上霜。举头望明月，低头思故乡。`: 4 lines of 5.
`check_poem` lists what breaks it; `regular_poems` keeps the poems that
pass: 36,907 of the 57,603 poems (64%, 1.64M of the 3.67M characters); the
rest is older, freer verse (古体诗) and poems with irregular punctuation.
"""

import os
import re
import zlib

from datasets import files
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
POEM_SETS = ("all", "regular")  # every poem, or the regular forms only

COMMA = "，"
STOPS = "。？！"
PUNCTUATION = "，。？！、；：「」『』（）《》“”‘’ \n"
LINE_LENGTHS = (5, 7)
LINE_COUNTS = (4, 8)


def split_lines(poem: str) -> list[tuple[str, str]]:
    """`[(line, punctuation), ...]` of a poem; text after the last mark is a
    line with punctuation `""`."""
    pieces = re.findall(f"([^{COMMA}{STOPS}；]*)([{COMMA}{STOPS}；]?)", poem)
    return [(text, mark) for text, mark in pieces if text or mark]


def check_poem(poem: str, line_length: int | None = None,
               num_lines: int | None = None) -> list[str]:
    """Lists what breaks the regular-poem format; `[]` when it passes.

    Args:
        poem: str, the poem without title (line breaks around it ignored).
        line_length: 5, 7 or `None` to accept either (the same for all
            lines). Defaults to `None`.
        num_lines: 4, 8 or `None` to accept either. Defaults to `None`.

    Returns:
        list of str problems.

    Example:

    >>> check_poem("床前明月光，疑是地上霜。举头望明月，低头思故乡。")
    []
    >>> check_poem("床前明月光，疑是地上霜")
    ['2 lines; expected 4 or 8', 'line 2 ends with ""; expected one of 。？！']
    """
    lines = split_lines(poem.strip())
    problems = []
    counts = (num_lines,) if num_lines else LINE_COUNTS
    if len(lines) not in counts:
        problems.append(
            f"{len(lines)} lines; expected {' or '.join(map(str, counts))}")
    lengths = (line_length,) if line_length else LINE_LENGTHS
    first = len(lines[0][0]) if lines else 0
    for number, (text, mark) in enumerate(lines, start=1):
        if len(text) not in lengths or len(text) != first:
            problems.append(
                f"line {number} has {len(text)} characters; expected "
                f"{' or '.join(map(str, lengths))}, the same in every line")
        if any(c in PUNCTUATION or not c.strip() for c in text):
            problems.append(f"line {number} contains punctuation or spaces")
        expected = COMMA if number % 2 else STOPS
        if mark not in expected or not mark:
            problems.append(
                f'line {number} ends with "{mark}"; expected one of {expected}')
    return problems


def regular_poems(poems: list[dict]) -> list[dict]:
    """The poems whose text passes `check_poem` (quatrains, regulated verse).

    Example:

    >>> regular_poems([{"paragraphs": ["床前明月光，疑是地上霜。",
    ...                                "举头望明月，低头思故乡。"]},
    ...                {"paragraphs": ["床前明月光。"]}])[0]["paragraphs"][0]
    '床前明月光，疑是地上霜。'
    """
    return [p for p in poems if not check_poem(poem_text(p))]


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
        files.CorruptFileError: if the file is truncated, corrupt or not a
            list of poems (naming it).
    """
    if script not in FILES:
        raise ValueError(
            f"Received `script={script!r}`; expected one of {sorted(FILES)}."
        )
    path = resolve_file(
        "tang_poetry", FILES[script], data_dir, url=None, source=SOURCE,
        download=download,
    )
    fix = f"replace it with a good copy ({SOURCE})"
    poems = files.read_json(path, fix)
    if not isinstance(poems, list) or not all(map(_is_poem, poems)):
        raise files.CorruptFileError(
            f"datasets: {path} is not a JSON list of poems {{title, author, "
            f"paragraphs: [str]}}; {fix}.")
    return [p for p in poems if poem_text(p)]


def _is_poem(poem) -> bool:
    """Whether `poem` is a dict whose `paragraphs`, if any, are strings."""
    if not isinstance(poem, dict):
        return False
    paragraphs = poem.get("paragraphs") or []
    return isinstance(paragraphs, list) and all(
        isinstance(p, str) for p in paragraphs)


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
