"""Dialogue corpora as (context -> reply) pairs, for chatbots and translators.

Formats (used by `apps.chatbot` and by its exported SavedModel):

- A dialogue is a list of turns (str), in the order spoken. Every loader
  cleans each turn with `clean_turn`: runs of whitespace (line breaks and
  tabs included) become one space and the ends are stripped, so a turn is
  one line; empty turns are dropped.
- A pair is `(context, reply)`: the reply is one turn, the context the
  (at most) `context_turns` turns before it joined by `TURN_SEPARATOR`,
  a line break: `"Hi\\nHello, how are you?"` is a context of two turns.
  `join_turns` and `split_turns` convert. A chat client sends the history
  the same way, one turn per line, oldest first.

Corpora:

- DailyDialog (Li et al., IJCNLP 2017, CC BY-NC-SA 4.0; see
  `../shared/data/dailydialog/SOURCE.md`): `dialogues_<split>.txt` (or
  `.txt.gz`), one dialogue per line, turns separated by `__eou__`, text
  tokenised with spaces around punctuation; splits `train` (11,118
  dialogues), `validation` and `test` (1,000 each). `read_dailydialog`.
- Cornell Movie-Dialogs (Danescu-Niculescu-Mizil and Lee, 2011):
  `movie_lines.txt` (`L1045 +++$+++ u0 +++$+++ m0 +++$+++ BIANCA +++$+++
  They do not!`) and `movie_conversations.txt` (`u0 +++$+++ u2 +++$+++ m0
  +++$+++ ['L194', 'L195', 'L196']`), as in the folder of the
  corpus's zip; ISO-8859-1 text (UTF-8 is read too). `read_cornell`.
- Parallel text: one pair per line, `source TAB target` (further columns,
  such as the attribution of the manythings.org Tatoeba files, are
  ignored), so the same app trains a translator. `read_parallel`.
- chatterbot-corpus (`pip install chatterbot-corpus`, BSD): YAML files
  `chatterbot_corpus/data/<language>/<topic>.yml` with a `conversations`
  list of dialogues; English has 2,025 dialogues (2,306 pairs), Chinese
  467 (552 pairs). `read_chatterbot`; needs PyYAML.

Corpora without official splits (all but DailyDialog) are split by
`split_dialogues`, a CRC32 of each dialogue's text, about 90/5/5.
"""

import ast
import importlib.resources
import importlib.util
import os
import re
import zlib

from datasets import files

TURN_SEPARATOR = "\n"  # between the turns of a context
DAILYDIALOG_SPLITS = ("train", "validation", "test")
DAILYDIALOG_END_OF_UTTERANCE = "__eou__"
DAILYDIALOG_FIX = (
    "DailyDialog is at http://yanran.li/dailydialog (CC BY-NC-SA 4.0); pass "
    "--data_dir with its dialogues_<split>.txt files"
)
CORNELL_FILES = ("movie_lines.txt", "movie_conversations.txt")
CORNELL_FIELD_SEPARATOR = " +++$+++ "
CORNELL_FIX = (
    "the Cornell Movie-Dialogs corpus is at https://www.cs.cornell.edu/"
    "~cristian/Cornell_Movie-Dialogs_Corpus.html; pass --data_dir with the "
    "folder of its movie_lines.txt and movie_conversations.txt"
)
CHATTERBOT_FIX = "install it with `pip install chatterbot-corpus pyyaml`"
# One dialogue in `HELD_OUT_MODULUS` goes to validation, one to test.
HELD_OUT_MODULUS = 20
SPLITS = ("train", "validation", "test")
_WHITESPACE = re.compile(r"\s+")


def clean_turn(text) -> str:
    """One turn on one line: whitespace runs become a space, ends stripped.

    Example:

    >>> clean_turn("  Hi,\\n\\tthere ")
    'Hi, there'
    """
    return _WHITESPACE.sub(" ", str(text)).strip()


def join_turns(turns) -> str:
    """Turns as one context string, `TURN_SEPARATOR` between them.

    Example:

    >>> join_turns(["Hi", "Hello, how are you?"])
    'Hi\\nHello, how are you?'
    """
    return TURN_SEPARATOR.join(clean_turn(turn) for turn in turns)


def split_turns(context: str) -> list[str]:
    """The turns of a context string, without empty ones (inverse of
    `join_turns`).

    Example:

    >>> split_turns("Hi\\n\\n  Hello  \\n")
    ['Hi', 'Hello']
    """
    turns = (clean_turn(turn) for turn in context.split(TURN_SEPARATOR))
    return [turn for turn in turns if turn]


def _dialogue(turns) -> list[str]:
    return [turn for turn in (clean_turn(t) for t in turns if t is not None)
            if turn]


def dialogue_pairs(
    dialogues: list[list[str]], context_turns: int = 1
) -> list[tuple[str, str]]:
    """Every `(context, reply)` pair of the dialogues.

    The reply is each turn after the first; the context joins the at most
    `context_turns` turns before it (`join_turns`).

    Args:
        dialogues: list of dialogues (lists of turns).
        context_turns: positive int, turns of history per context.
            Defaults to `1` (utterance -> reply).

    Returns:
        list of `(context, reply)` str pairs, in dialogue order.

    Raises:
        ValueError: if `context_turns` is not a positive integer.

    Example:

    >>> dialogue_pairs([["Hi", "Hello", "How are you?"]], context_turns=2)
    [('Hi', 'Hello'), ('Hi\\nHello', 'How are you?')]
    """
    if isinstance(context_turns, bool) or not isinstance(context_turns, int) \
            or context_turns < 1:
        raise ValueError(
            f"Received `context_turns={context_turns!r}`; expected a "
            "positive integer."
        )
    return [
        (join_turns(turns[max(0, i - context_turns):i]), turns[i])
        for turns in dialogues
        for i in range(1, len(turns))
    ]


def split_dialogues(dialogues: list[list[str]], split: str) -> list:
    """The dialogues of one split, chosen by a CRC32 of their text.

    A hash of the text (not the position) decides, so the split does not
    change when dialogues are added or reordered: about 90% `"train"`, 5%
    `"validation"`, 5% `"test"`.

    Example:

    >>> dialogues = [["Hi", str(i)] for i in range(100)]
    >>> sum(len(split_dialogues(dialogues, s)) for s in SPLITS)
    100
    """
    if split not in SPLITS:
        raise ValueError(
            f"Received `split={split!r}`; expected one of {SPLITS}."
        )
    kept = []
    for turns in dialogues:
        bucket = zlib.crc32(join_turns(turns).encode("utf-8")) % \
            HELD_OUT_MODULUS
        if {0: "validation", 1: "test"}.get(bucket, "train") == split:
            kept.append(turns)
    return kept


def read_dailydialog(data_dir: os.PathLike, split: str) -> list[list[str]]:
    """The dialogues of one DailyDialog split.

    Args:
        data_dir: folder of `dialogues_<split>.txt.gz` or
            `dialogues_<split>.txt`.
        split: `"train"`, `"validation"` or `"test"`.

    Returns:
        list of dialogues, one per line of the file.

    Raises:
        ValueError: for an unknown split.
        FileNotFoundError: naming the file and where to get it.
        datasets.files.CorruptFileError: for a damaged file.

    Example:

    >>> dialogues = read_dailydialog("../shared/data/dailydialog", "test")
    >>> len(dialogues)
    1000
    """
    if split not in DAILYDIALOG_SPLITS:
        raise ValueError(
            f"Received `split={split!r}`; expected one of "
            f"{DAILYDIALOG_SPLITS}."
        )
    name = os.path.join(os.fspath(data_dir), f"dialogues_{split}.txt")
    path = name + ".gz" if os.path.isfile(name + ".gz") else name
    text = files.read_text(path, DAILYDIALOG_FIX)
    dialogues = (_dialogue(line.split(DAILYDIALOG_END_OF_UTTERANCE))
                 for line in text.splitlines())
    return [turns for turns in dialogues if turns]


def _read_latin_or_utf8(path: os.PathLike) -> str:
    """Cornell files: ISO-8859-1 as released, UTF-8 in re-encoded copies."""
    data = files.read_bytes(path, CORNELL_FIX)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def read_cornell(data_dir: os.PathLike) -> list[list[str]]:
    """The conversations of the Cornell Movie-Dialogs corpus.

    Args:
        data_dir: folder of `movie_lines.txt` and `movie_conversations.txt`.

    Returns:
        list of dialogues, in the order of `movie_conversations.txt`.

    Raises:
        FileNotFoundError: naming the missing file and where to get it.
        datasets.files.CorruptFileError: for a line that is not in the
            corpus format, or a conversation naming an unknown line.
    """
    lines_path, conversations_path = (
        os.path.join(os.fspath(data_dir), name) for name in CORNELL_FILES)
    lines = {}
    for number, row in enumerate(
            _read_latin_or_utf8(lines_path).splitlines(), start=1):
        fields = row.split(CORNELL_FIELD_SEPARATOR)
        if not row.strip():
            continue
        if len(fields) != 5:
            raise files.CorruptFileError(
                f"datasets: {lines_path} line {number} has {len(fields)} "
                f"fields separated by {CORNELL_FIELD_SEPARATOR.strip()!r}; "
                f"expected 5 (line id, character, movie, name, text); "
                f"{CORNELL_FIX}."
            )
        lines[fields[0].strip()] = fields[4]
    dialogues = []
    for number, row in enumerate(
            _read_latin_or_utf8(conversations_path).splitlines(), start=1):
        if not row.strip():
            continue
        where = f"datasets: {conversations_path} line {number}"
        try:
            ids = ast.literal_eval(row.split(CORNELL_FIELD_SEPARATOR)[-1])
            turns = [lines[str(line_id)] for line_id in ids]
        except (ValueError, SyntaxError):
            raise files.CorruptFileError(
                f"{where} does not end with a list of line ids such as "
                f"['L194', 'L195']; {CORNELL_FIX}."
            ) from None
        except KeyError as error:
            raise files.CorruptFileError(
                f"{where} names line {error.args[0]!r}, which "
                f"{CORNELL_FILES[0]} lacks; {CORNELL_FIX}."
            ) from None
        turns = _dialogue(turns)
        if turns:
            dialogues.append(turns)
    return dialogues


def read_parallel(path: os.PathLike) -> list[tuple[str, str]]:
    """`(source, target)` pairs of a `source TAB target` file.

    Blank lines are skipped; columns after the second are ignored.

    Args:
        path: the text file (UTF-8, plain or `.gz`).

    Returns:
        list of `(source, target)` str pairs, each cleaned by `clean_turn`.

    Raises:
        FileNotFoundError: if the file is missing.
        datasets.files.CorruptFileError: for a line without a tab, or with
            an empty source or target (the message names the line).

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "en-fr.txt"
    >>> _ = path.write_text("Hi.\\tSalut !\\tCC-BY 2.0\\n", encoding="utf-8")
    >>> read_parallel(path)
    [('Hi.', 'Salut !')]
    """
    fix = "write one `source<TAB>target` pair per line"
    pairs = []
    for number, line in enumerate(
            files.read_text(path, fix).splitlines(), start=1):
        if not line.strip():
            continue
        columns = [clean_turn(column) for column in line.split("\t")]
        if len(columns) < 2 or not columns[0] or not columns[1]:
            raise files.CorruptFileError(
                f"datasets: {path} line {number} is not `source<TAB>target` "
                f"with both sides non-empty (received {line[:80]!r}); {fix}."
            )
        pairs.append((columns[0], columns[1]))
    return pairs


def chatterbot_languages() -> list[str]:
    """The languages the installed chatterbot-corpus has, e.g. `"english"`.

    Raises:
        ModuleNotFoundError: if `chatterbot-corpus` is not installed.
    """
    return sorted(
        entry.name for entry in _chatterbot_data().iterdir()
        if entry.is_dir())


def _chatterbot_data():
    if importlib.util.find_spec("chatterbot_corpus") is None:
        raise ModuleNotFoundError(
            f"datasets: the embedded dialogues need the package "
            f"chatterbot-corpus; {CHATTERBOT_FIX}."
        )
    return importlib.resources.files("chatterbot_corpus") / "data"


def read_chatterbot(language: str = "english") -> list[list[str]]:
    """The conversations of one language of chatterbot-corpus.

    Topics (`ai.yml`, `greetings.yml`, ...) are read in name order. An
    entry of `conversations` that is not a list (English `trivia.yml` has
    one, a question and its answer in one string) is skipped.

    Args:
        language: str, a folder of the corpus such as `"english"` or
            `"chinese"` (see `chatterbot_languages`). Defaults to
            `"english"`.

    Returns:
        list of dialogues.

    Raises:
        ModuleNotFoundError: if `chatterbot-corpus` or PyYAML is missing.
        ValueError: for a language the corpus lacks.
        datasets.files.CorruptFileError: for a file that is not the
            corpus's YAML.

    Example:

    >>> read_chatterbot("english")[0][0]  # ai.yml comes first
    'What is AI?'
    """
    folder = _chatterbot_data() / language
    if not folder.is_dir():
        raise ValueError(
            f"Received `language={language!r}`; chatterbot-corpus has "
            f"{chatterbot_languages()}."
        )
    try:
        import yaml
    except ImportError:
        raise ModuleNotFoundError(
            f"datasets: reading chatterbot-corpus needs PyYAML; "
            f"{CHATTERBOT_FIX}."
        ) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C when built
    dialogues = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yml", ".yaml")):
            continue
        try:
            document = yaml.load(entry.read_text(encoding="utf-8"), loader)
            found = [_dialogue(turns) for turns in document["conversations"]
                     if isinstance(turns, list)]
        except (yaml.YAMLError, TypeError, KeyError,
                UnicodeDecodeError) as error:
            raise files.CorruptFileError(
                f"datasets: {entry} is not a chatterbot-corpus file (a YAML "
                f"mapping with a `conversations` list of lists: "
                f"{type(error).__name__}); reinstall chatterbot-corpus."
            ) from None
        dialogues.extend(turns for turns in found if turns)
    return dialogues
