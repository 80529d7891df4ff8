"""Handwriting lines for training: data sets, alphabet, normalisation, batches.

Data sets (`--dataset`):

- `hershey` (default, embedded): text rendered with Hershey fonts
  (`datasets/hershey_strokes.py`); every epoch draws fresh lines from a
  generator seeded by `(seed, epoch)`, the validation lines from `(seed,)`.
- `iam_ondb`: IAM-OnDB lines (`datasets/iam_ondb.py`) from `--data_dir`
  (default `../shared/data/iam_ondb_strokes`), split by form: 5% of the
  forms validate (IAM-OnDB names no writers here, see that module).
- `sketch_rnn`: a sketch-rnn `.npz` (`datasets/sketch_rnn.py`) at
  `--data_dir`, its `train` and `valid` splits; no text, so the prediction
  network only.

Every line is stroke-3 (`datasets/strokes.py`), read at the data set's own
point rate; `--downsample N` keeps every N-th point of each stroke
(`downsampled`) before anything else, priming lines included, so every
input from outside (files, styles, a server's priming strokes) stays at the
data set's rate. Offsets are divided by their standard deviation over the
(downsampled) training lines (`NormalizationStats`) and clipped at `clip` of
those units. The model reads the previous point and
predicts the next: inputs `[START_POINT, p_1 .. p_{T-1}]`, targets
`[p_1 .. p_T]`, weight 1 on real points and 0 on padding.

Text is encoded with the run's alphabet (`ALPHABET_FILE`): character `k` of
the alphabet has id `k + 1`, `PADDING_ID = 0` pads. The alphabet and the
statistics are written by the run's first `train` (`prepare_assets`) and
read by every later command (`load_assets`), beside `config.json`.

Batches hold lines of similar length (an epoch's lines are sorted by
length, cut into batches, and the batches shuffled), padded to a multiple
of `POINT_BUCKET` points, so little compute goes to padding and the models
see few distinct shapes.
"""

import json
import pathlib

import keras
import numpy as np

from datasets import hershey_strokes
from datasets import iam_ondb
from datasets import sketch_rnn
from datasets import strokes as stroke_format
from datasets.files import CorruptFileError
from datasets.files import read_json
from datasets.iam_ondb import StrokeLines

DATASETS = ("hershey", "iam_ondb", "sketch_rnn")
DEFAULT_IAM_DIR = pathlib.Path(__file__).resolve().parents[2] / ".." / (
    "shared/data/iam_ondb_strokes")
ALPHABET_FILE = "alphabet.json"
STATS_FILE = "normalization.json"
START_POINT = (0.0, 0.0, 1.0)
PADDING_ID = 0
POINT_BUCKET = 32
VALIDATION_FRACTION = 0.05
# Lines drawn to measure the Hershey offsets' standard deviation.
HERSHEY_STATS_LINES = 500
ASSET_FIX = "retrain in a new --run_dir, or restore the file from a backup"


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def downsampled(lines: StrokeLines, factor: int) -> StrokeLines:
    """`lines` with every `factor`-th point of each stroke kept
    (`datasets.strokes.downsample`); `factor=1` returns them as they are."""
    if factor == 1:
        return lines
    return StrokeLines(
        [stroke_format.downsample(line, factor) for line in lines.strokes],
        lines.texts, lines.ids)


def hershey_lines(train_config, count: int, rng) -> StrokeLines:
    """`count` Hershey lines drawn with `rng` in the configured fonts."""
    strokes, texts = hershey_strokes.sample_lines(
        rng, count, tuple(train_config.fonts), train_config.min_chars,
        train_config.max_chars,
    )
    return StrokeLines(strokes, texts, [f"hershey-{i}" for i in range(count)])


def load_split(train_config, hershey_validation: int = 0
               ) -> tuple[StrokeLines | None, StrokeLines]:
    """`(train, validation)` lines of the configured data set.

    Args:
        train_config: the run's `TrainConfig`.
        hershey_validation: int, Hershey validation lines to draw; `0`
            draws `validation_examples` (at least one). The first lines are
            the same for every count.

    Returns:
        The two `StrokeLines`; `train` is `None` for `hershey`, whose
        training lines are drawn per epoch.

    Raises:
        FileNotFoundError: if the data set's files are missing.
    """
    if train_config.dataset == "hershey":
        count = hershey_validation or max(train_config.validation_examples, 1)
        return None, hershey_lines(train_config, count, _rng(
            train_config.seed, 0))
    if train_config.dataset == "iam_ondb":
        lines = iam_ondb.load_iam_ondb(train_config.data_dir or DEFAULT_IAM_DIR)
        return iam_ondb.split_by_form(lines, VALIDATION_FRACTION)
    if not train_config.data_dir:
        raise FileNotFoundError(
            "Received `dataset='sketch_rnn'` without `data_dir`; pass "
            "--data_dir ../shared/data/sketch_rnn/aaron_sheep.npz."
        )
    train, valid, _ = sketch_rnn.load_sketches(train_config.data_dir)
    return tuple(
        StrokeLines(split, [""] * len(split),
                    [f"sketch-{i}" for i in range(len(split))])
        for split in (train, valid)
    )


def text_length(train_config, *splits: StrokeLines) -> int:
    """Characters per encoded text: the longest text of the data set."""
    if train_config.dataset == "hershey":
        return train_config.max_chars
    return max([len(t) for split in splits for t in split.texts] + [1])


def build_alphabet(texts) -> str:
    """The sorted set of characters of `texts`."""
    return "".join(sorted(set("".join(texts))))


def prepare_assets(run_dir, train_config, train: StrokeLines | None,
                   validation: StrokeLines) -> dict:
    """Writes the alphabet and statistics on a run's first `train`.

    On a resumed run the files are there and are read instead, so the
    model keeps the alphabet and scale it was trained with.

    Returns:
        `{"alphabet": str, "stats": NormalizationStats}`.
    """
    run_dir = pathlib.Path(run_dir)
    if not (run_dir / ALPHABET_FILE).is_file():
        if train is None:
            sample = hershey_lines(train_config, HERSHEY_STATS_LINES,
                                   _rng(train_config.seed, 2))
            texts = hershey_strokes.source_words()
            alphabet = build_alphabet(texts + (" ",))
        else:
            sample = train
            alphabet = build_alphabet(train.texts + validation.texts)
        run_dir.mkdir(parents=True, exist_ok=True)
        sample = downsampled(sample, train_config.downsample)
        stroke_format.normalization_stats(sample.strokes).save(
            run_dir / STATS_FILE)
        (run_dir / ALPHABET_FILE).write_text(
            json.dumps({"alphabet": alphabet}) + "\n", encoding="utf-8")
    return load_assets(run_dir)


def load_assets(run_dir) -> dict:
    """`{"alphabet": str, "stats": NormalizationStats}` of a run directory.

    Raises:
        FileNotFoundError: if a file is missing.
        ValueError: if one is corrupt (the message names it).
    """
    run_dir = pathlib.Path(run_dir)
    document = read_json(run_dir / ALPHABET_FILE, ASSET_FIX)
    if not isinstance(document, dict) or not isinstance(
        document.get("alphabet"), str
    ):
        raise CorruptFileError(
            f"{run_dir / ALPHABET_FILE} lacks the string 'alphabet'; "
            f"{ASSET_FIX}."
        )
    if not (run_dir / STATS_FILE).is_file():
        raise FileNotFoundError(
            f"{run_dir / STATS_FILE} not found; {ASSET_FIX}.")
    stats = stroke_format.NormalizationStats.load(run_dir / STATS_FILE)
    return {"alphabet": document["alphabet"], "stats": stats}


def encode_texts(texts, alphabet: str, length: int) -> np.ndarray:
    """Character ids `(len(texts), length)`, `PADDING_ID` after each text.

    Raises:
        ValueError: for a character outside `alphabet` or a text longer
            than `length`.

    Example:

    >>> encode_texts(["ab", "b"], "ab", 3).tolist()
    [[1, 2, 0], [2, 0, 0]]
    """
    ids = {char: index + 1 for index, char in enumerate(alphabet)}
    encoded = np.full((len(texts), length), PADDING_ID, dtype=np.int32)
    for row, text in enumerate(texts):
        if len(text) > length:
            raise ValueError(
                f"Received a text of {len(text)} characters ({text[:20]!r}"
                f"...); expected at most {length}."
            )
        unknown = sorted(set(text) - set(ids))
        if unknown:
            raise ValueError(
                f"Received text {text!r} with {''.join(unknown)!r}, outside "
                f"the model's alphabet {alphabet!r}."
            )
        encoded[row, :len(text)] = [ids[char] for char in text]
    return encoded


def normalized(lines: StrokeLines, stats, clip: float, max_points: int,
               keep_long: bool, downsample: int = 1) -> StrokeLines:
    """Lines downsampled, scaled by `stats`, clipped, without empty lines.

    Lines over `max_points` points (`0`: no bound; counted after
    downsampling) are cut when `keep_long` (the prediction network has no
    text to misalign), else dropped.
    """
    kept = []
    lines = downsampled(lines, downsample)
    for index, line in enumerate(lines.strokes):
        if max_points and len(line) > max_points:
            if not keep_long:
                continue
            line = line[:max_points]
        if len(line):
            kept.append((index, stroke_format.clip_offsets(
                stroke_format.normalize(line, stats), clip).astype(np.float32)))
    return StrokeLines(
        [line for _, line in kept], [lines.texts[i] for i, _ in kept],
        [lines.ids[i] for i, _ in kept],
    )


def padded_batch(lines: list, texts: list, alphabet: str,
                 text_length: int, synthesis: bool) -> tuple:
    """One batch `(inputs, targets, weights)` of normalised lines.

    Returns:
        `inputs` a dict (`"strokes"` float32 `(B, T, 3)` and, for the
        synthesis network, `"text"` int32 `(B, text_length)`), `targets`
        float32 `(B, T, 3)` and `weights` float32 `(B, T)`, with `T` the
        longest line rounded up to a multiple of `POINT_BUCKET`.
    """
    longest = max(len(line) for line in lines)
    steps = -(-longest // POINT_BUCKET) * POINT_BUCKET
    strokes = np.zeros((len(lines), steps, 3), np.float32)
    targets = np.zeros((len(lines), steps, 3), np.float32)
    weights = np.zeros((len(lines), steps), np.float32)
    for row, line in enumerate(lines):
        count = len(line)
        strokes[row, 0] = START_POINT
        strokes[row, 1:count] = line[:-1]
        targets[row, :count] = line
        weights[row, :count] = 1.0
    inputs = {"strokes": strokes}
    if synthesis:
        inputs["text"] = encode_texts(texts, alphabet, text_length)
    return inputs, targets, weights


def length_sorted_batches(lines: StrokeLines, num_batches: int, rng,
                          alphabet: str, text_length: int,
                          synthesis: bool) -> list:
    """`num_batches` batches of lines of similar length, shuffled by `rng`.

    The longest batch comes first (a batch too large for memory fails at
    once) and the shortest second.

    Raises:
        ValueError: if there are fewer lines than batches (say every line
            is over `--max_points`).
    """
    if len(lines) < num_batches:
        raise ValueError(
            f"Received {len(lines)} lines for {num_batches} batches; raise "
            "--max_points (lines over it are skipped) or lower --batch_size."
        )
    order = np.argsort([len(s) for s in lines.strokes], kind="stable")
    batches = [
        padded_batch([lines.strokes[i] for i in chunk],
                     [lines.texts[i] for i in chunk], alphabet, text_length,
                     synthesis)
        for chunk in np.array_split(order, num_batches)
    ]
    if rng is not None:
        middle = 1 + rng.permutation(len(batches) - 2) if (
            len(batches) > 2) else []
        batches = [batches[i] for i in [len(batches) - 1, 0, *middle]][
            :len(batches)]
    return batches


class StrokeBatches(keras.utils.PyDataset):
    """Serves the batches `make_epoch(epoch)` returns, one epoch at a time.

    Like `apps.framework.EpochBatches` (an epoch is drawn on its first
    batch from a generator seeded by the epoch, so a resumed run sees the
    same data), but each batch comes ready-padded to its own length.

    Args:
        make_epoch: callable `epoch -> list of (inputs, targets, weights)`
            with `steps_per_epoch` batches.
        epoch: int, the epoch the first pass serves.
        steps_per_epoch: int, batches per epoch.
    """

    def __init__(self, make_epoch, epoch: int, steps_per_epoch: int):
        super().__init__()
        self.make_epoch = make_epoch
        self.epoch = epoch
        self.steps_per_epoch = steps_per_epoch
        self.batches = None

    def __len__(self):
        return self.steps_per_epoch

    def __getitem__(self, index):
        if self.batches is None:
            self.batches = self.make_epoch(self.epoch)
        return self.batches[index]

    def on_epoch_end(self):
        self.epoch += 1
        self.batches = None


def tf_dataset(batches: keras.utils.PyDataset, synthesis: bool):
    """`batches` as a `tf.data.Dataset` whose time axes are variable.

    Keras types a `PyDataset` on TensorFlow from its first two batches, so
    a later, longer batch would not fit; this dataset declares `None` for
    the point and character axes instead. Each pass over it serves the
    current epoch of `batches`; `NextEpoch` moves it on after each training
    epoch. (A pass never does that itself: Keras' distributed `fit` reads
    one batch of a pass of its own before training, and the prefetch can
    run that pass to its end.)

    Args:
        batches: a `StrokeBatches` or `FixedBatches`.
        synthesis: bool, whether the inputs hold `"text"`.

    Returns:
        `tf.data.Dataset` of `(inputs, targets, weights)`.
    """
    import tensorflow as tf

    def epoch():
        for index in range(len(batches)):
            yield batches[index]

    inputs = {"strokes": tf.TensorSpec((None, None, 3), tf.float32)}
    if synthesis:
        inputs["text"] = tf.TensorSpec((None, None), tf.int32)
    signature = (inputs, tf.TensorSpec((None, None, 3), tf.float32),
                 tf.TensorSpec((None, None), tf.float32))
    dataset = tf.data.Dataset.from_generator(epoch,
                                             output_signature=signature)
    return dataset.apply(tf.data.experimental.assert_cardinality(
        len(batches))).prefetch(1)


class NextEpoch(keras.callbacks.Callback):
    """Moves `batches` (of a `tf_dataset`) on to the next epoch's data.

    Args:
        batches: the `StrokeBatches` the training dataset serves.
    """

    def __init__(self, batches: StrokeBatches):
        super().__init__()
        self.batches = batches

    def on_epoch_end(self, epoch, logs=None):
        self.batches.on_epoch_end()


class FixedBatches(keras.utils.PyDataset):
    """A fixed list of batches (the validation set)."""

    def __init__(self, batches: list):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index]
