"""Exports the adder as a SavedModel that takes and returns strings.

Signatures (all run on CPU without Keras or this repository):

- `serving_default(problems)`: `problems` is a string vector such as
  `["123+456", "99+1"]`. Returns `sum` (string vector, `"579"`, `"100"`)
  and `error` (string vector, `""` for a good request). Tokenization happens
  in the graph with `tf.strings` ops.
- `digits(digits)`: the raw network, int32 `(batch, time, 2)` digit columns
  (see `apps/addition/data.py`) to float32 probabilities `(batch, time, 10)`.
  A digit outside 0..9, or more than `MAX_REQUEST_BYTES` columns, fails the
  request with INVALID_ARGUMENT and a message saying so.

`reference_requests(restored)` gives both signatures' answers from the
Python path (`apps.addition.generate.add`, any backend), which a
TensorFlow export of the same run must equal (`tests/apps/
jax_parity_test.py`).

A request holds at most `MAX_PROBLEMS` problems (a larger one fails with
INVALID_ARGUMENT "a request holds at most ... problems; split it into several
requests").
Malformed requests never fail the batch: each bad element gets `sum = ""`
and an `error` text saying what was wrong, while the others are answered:

- `""` (after removing spaces) -> `"empty request; expected ..."`;
- longer than `MAX_REQUEST_BYTES` bytes -> `"request longer than ..."`
  (checked on the length alone, before any parsing, so huge strings cost
  nothing);
- anything else that is not two integers of 1 to `max_digits` ASCII digits
  joined by `+` (letters, signs, three operands, invalid UTF-8, too many
  digits) -> `"expected two non-negative integers ..."`.

Spaces and tabs around the numbers are ignored (`" 12 + 3 "` is `"12+3"`).
Numbers longer than those trained on are accepted up to `max_digits`; the
answer is then the model's generalisation (see `evaluate`).

Example:

```
python -m apps.addition.export --run_dir runs/addition
```
"""

import dataclasses
import pathlib

import keras
import numpy as np

from apps.addition import data
from apps.addition.config import APP
from apps.addition.generate import add
from apps.framework import BaseExportConfig
from apps.framework import Restored
from apps.framework import export_command
from saved_models.export import export_versioned, require_tensorflow_backend
from saved_models.request_checks import at_most_per_request

# Longest operand the serving signature accepts.
DEFAULT_SERVING_DIGITS = 20
# Requests longer than this are rejected before any parsing.
MAX_REQUEST_BYTES = 256
# Problems per request; a larger request fails with INVALID_ARGUMENT.
MAX_PROBLEMS = 4096
WARMUP_PROBLEMS = ("123+456", "999+1", "0+0", "12345+67890", "", "1+x")
REFERENCE_PROBLEMS = ("12+3", "999+1", "0+0", "123+456", "5+678")


def make_serving_fn(model: keras.Model, max_digits: int):
    """Builds the string-in, string-out function behind `serving_default`.

    Args:
        model: the adder from `apps.addition.model.build_model`.
        max_digits: int, the longest operand accepted.

    Returns:
        A function `problems -> {"sum": ..., "error": ...}` on string tensors
        of shape `(batch,)`; tracing it with `tf.function` gives the graph.
    """
    import tensorflow as tf

    if not 1 <= max_digits <= MAX_REQUEST_BYTES // 2:
        raise ValueError(
            f"Received `max_digits={max_digits}`; expected 1 to "
            f"{MAX_REQUEST_BYTES // 2}."
        )
    pattern = f"[0-9]{{1,{max_digits}}}\\+[0-9]{{1,{max_digits}}}"
    expected = (
        "expected two non-negative integers of 1 to "
        f"{max_digits} digits joined by '+', such as '123+456'"
    )
    zeros = "0" * (max_digits + 1)

    def serve(problems):
        problems = at_most_per_request(
            tf.reshape(problems, [-1]), MAX_PROBLEMS, "problems")  # (batch,)
        too_long = tf.strings.length(problems) > MAX_REQUEST_BYTES
        # Huge strings are dropped before any regex runs over them.
        text = tf.where(too_long, tf.constant(""), problems)
        text = tf.strings.regex_replace(text, "[ \t]", "")
        empty = tf.logical_and(
            tf.equal(tf.strings.length(text), 0), tf.logical_not(too_long)
        )
        valid = tf.strings.regex_full_match(text, pattern)
        text = tf.where(valid, text, tf.constant("0+0"))
        a = tf.strings.regex_replace(text, "\\+.*", "")
        b = tf.strings.regex_replace(text, ".*\\+", "")
        len_a, len_b = tf.strings.length(a), tf.strings.length(b)
        # One more column than the longest operand, for the final carry.
        num_steps = tf.maximum(
            tf.reduce_max(tf.concat([len_a, len_b, [1]], axis=0)) + 1, 2
        )

        def columns(number, length):
            pad = tf.strings.substr(
                tf.fill(tf.shape(number), zeros),
                tf.zeros_like(length),
                num_steps - length,
            )
            raw = tf.io.decode_raw(
                tf.strings.join([pad, number]), tf.uint8
            )  # (batch, num_steps), most significant first
            raw = tf.reshape(raw, [-1, num_steps])
            return tf.reverse(tf.cast(raw, tf.int32) - 48, axis=[1])

        digits = tf.stack(
            [columns(a, len_a), columns(b, len_b)], axis=-1
        )  # (batch, num_steps, 2)
        logits = model(digits, training=False)  # (batch, num_steps, 10)
        answer = tf.reverse(
            tf.argmax(logits, axis=-1, output_type=tf.int32), axis=[1]
        )  # (batch, num_steps), most significant first
        chars = tf.gather(tf.constant(list("0123456789")), answer)
        answer = tf.strings.regex_replace(
            tf.strings.reduce_join(chars, axis=1), "^0+([0-9])", "\\1"
        )
        error = tf.where(
            valid,
            tf.constant(""),
            tf.where(
                too_long,
                tf.constant(
                    f"request longer than {MAX_REQUEST_BYTES} bytes; {expected}"
                ),
                tf.where(
                    empty,
                    tf.constant(f"empty request; {expected}"),
                    tf.constant(expected),
                ),
            ),
        )
        return {"sum": tf.where(valid, answer, tf.constant("")), "error": error}

    return serve


def build_archive(
    model: keras.Model, max_digits: int = DEFAULT_SERVING_DIGITS
) -> "keras.export.ExportArchive":
    """An `ExportArchive` with the `serving_default` and `digits` signatures.

    Args:
        model: the trained adder.
        max_digits: int, the longest operand `serving_default` accepts.
            Defaults to `DEFAULT_SERVING_DIGITS`.

    Returns:
        `keras.export.ExportArchive`, ready for `write_out`.
    """
    import tensorflow as tf

    require_tensorflow_backend()
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serving_default",
        make_serving_fn(model, max_digits),
        input_signature=[tf.TensorSpec([None], tf.string, name="problems")],
    )
    archive.add_endpoint(
        "digits",
        lambda digits: {
            "probabilities": keras.ops.softmax(
                model(checked_digits(digits), training=False)
            )
        },
        input_signature=[tf.TensorSpec([None, None, 2], tf.int32, name="digits")],
    )
    return archive


def checked_digits(digits):
    """`digits` after in-graph checks: values 0..9, a bounded length.

    A request that fails a check gets INVALID_ARGUMENT with the message.
    """
    import tensorflow as tf

    checks = [
        tf.debugging.assert_non_negative(
            digits, message="digits must be 0..9; received a negative one"
        ),
        tf.debugging.assert_less_equal(
            digits, 9, message="digits must be 0..9; received one above 9"
        ),
        tf.debugging.assert_less_equal(
            tf.shape(digits)[1], MAX_REQUEST_BYTES,
            message=f"at most {MAX_REQUEST_BYTES} digit columns per problem",
        ),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(digits)


def export_restored(
    restored: Restored,
    model_dir: str = "saved_models/addition",
    version: int | None = None,
    max_digits: int = DEFAULT_SERVING_DIGITS,
) -> pathlib.Path:
    """Exports a restored run to `<model_dir>/<version>/` with warm-up requests.

    Args:
        restored: the run from `apps.framework.restore`.
        model_dir: str, the model's folder. Defaults to
            `"saved_models/addition"`.
        version: int or `None` for the next free one. Defaults to `None`.
        max_digits: int, the longest operand served.
            Defaults to `DEFAULT_SERVING_DIGITS`.

    Returns:
        `pathlib.Path` of the version folder.

    Raises:
        RuntimeError: "export needs KERAS_BACKEND=tensorflow" off TensorFlow.
    """
    return export_model(restored.model, model_dir, version, max_digits)


def export_model(
    model: keras.Model,
    model_dir: str = "saved_models/addition",
    version: int | None = None,
    max_digits: int = DEFAULT_SERVING_DIGITS,
):
    """Exports `model` to `<model_dir>/<version>/` with warm-up requests.

    Args:
        model: the trained adder.
        model_dir: str, the model's folder. Defaults to
            `"saved_models/addition"`.
        version: int or `None` for the next free one. Defaults to `None`.
        max_digits: int, the longest operand served.
            Defaults to `DEFAULT_SERVING_DIGITS`.

    Returns:
        `pathlib.Path` of the version folder.

    Raises:
        RuntimeError: "export needs KERAS_BACKEND=tensorflow" off TensorFlow.
    """
    require_tensorflow_backend()
    return export_versioned(
        build_archive(model, max_digits),
        model_dir,
        version=version,
        warmup_requests=[{"problems": list(WARMUP_PROBLEMS)}],
    )


def reference_requests(restored: Restored) -> list[dict]:
    """Both signatures' answers to fixed problems, from the Python path.

    `serving_default` gets `REFERENCE_PROBLEMS` answered by `add` (the
    greedy digits, as strings); `digits` gets their digit columns and the
    softmax of the model. Works on any backend.

    Args:
        restored: the run from `apps.framework.restore`.

    Returns:
        list of `{"signature", "inputs", "outputs"}` dicts (see
        `apps.framework.App.reference_function`).
    """
    model = restored.model
    pairs = [data.parse_problem(problem) for problem in REFERENCE_PROBLEMS]
    a, b = (np.array(operands, np.int64) for operands in zip(*pairs))
    digits, _ = data.encode(a, b, data.num_steps_for(3))  # (5, 4, 2)
    logits = model(digits, training=False)  # (5, 4, 10)
    return [
        {"signature": "serving_default",
         "inputs": {"problems": list(REFERENCE_PROBLEMS)},
         "outputs": {"sum": add(model, list(REFERENCE_PROBLEMS)),
                     "error": [""] * len(REFERENCE_PROBLEMS)}},
        {"signature": "digits",
         "inputs": {"digits": digits},
         "outputs": {"probabilities": keras.ops.convert_to_numpy(
             keras.ops.softmax(logits))}},
    ]


@dataclasses.dataclass(frozen=True)
class ExportConfig(BaseExportConfig):
    """What to export.

    Args:
        run_dir: str, the training run to export. Defaults to
            `"runs/addition"`.
        model_dir: str, folder of versioned exports. Defaults to
            `"saved_models/addition"`.
        max_digits: int, longest operand the served model accepts.
            Defaults to `DEFAULT_SERVING_DIGITS`.
    """

    run_dir: str = "runs/addition"
    model_dir: str = "saved_models/addition"
    max_digits: int = DEFAULT_SERVING_DIGITS

    def __post_init__(self):
        super().__post_init__()
        if not 1 <= self.max_digits <= MAX_REQUEST_BYTES // 2:
            raise ValueError(
                f"Received `max_digits={self.max_digits}`; expected 1 to "
                f"{MAX_REQUEST_BYTES // 2}."
            )


build_parser, main = export_command(
    APP,
    "Export a trained adder as a versioned SavedModel "
    "(needs KERAS_BACKEND=tensorflow).",
    ExportConfig,
)


if __name__ == "__main__":
    main()
