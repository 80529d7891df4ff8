"""TensorFlow Serving set-up: `models.config`, batching and REST helpers.

`write_models_config` lists every exported model under `saved_models/` (a
folder holding at least one integer version with a `saved_model.pb`) in TF
Serving's text-format `ModelServerConfig`:

```
model_config_list {
  config {
    name: "addition"
    base_path: "/models/addition"
    model_platform: "tensorflow"
  }
}
```

Serve them all with the official image (the repository's `saved_models/`
mounted at `/models`):

```
python -m saved_models.serving --base_path_prefix /models
docker run -p 8500:8500 -p 8501:8501 -v "$PWD/saved_models:/models" \\
    tensorflow/serving --model_config_file=/models/models.config \\
    --enable_batching=true \\
    --batching_parameters_file=/models/batching_parameters.txt
curl -d '{"instances": ["123+456"]}' \\
    http://localhost:8501/v1/models/addition:predict
python -m saved_models.grpc_client --target localhost:8500 \\
    --model addition --input problems=123+456
```

`write_batching_parameters` writes `batching_parameters.txt` beside
`models.config` (TF Serving's text-format `BatchingParameters`), read only
when the server runs with `--enable_batching`; see `BatchingConfig` for the
defaults and why batching is safe for our string signatures.

REST bodies (`predict_request_body`) use TF Serving's row format
(`{"instances": [...]}`), with bytes that are not valid UTF-8 sent as
`{"b64": "..."}`, the JSON encoding TF Serving decodes into `DT_STRING`.
"""

import argparse
import base64
import dataclasses
import json
import os
import pathlib
import urllib.request
from typing import Mapping, Sequence

from saved_models.export import list_versions

MODELS_CONFIG = "models.config"
BATCHING_PARAMETERS = "batching_parameters.txt"
DEFAULT_REST_PORT = 8501


def exported_models(base_dir: os.PathLike = "saved_models") -> list[str]:
    """Names of the models under `base_dir` that have a servable version.

    Args:
        base_dir: folder holding one sub-folder per model.
            Defaults to `"saved_models"`.

    Returns:
        Sorted model names.
    """
    base_dir = pathlib.Path(base_dir)
    if not base_dir.is_dir():
        return []
    names = []
    for folder in sorted(base_dir.iterdir()):
        if not folder.is_dir():
            continue
        if any(
            (folder / str(v) / "saved_model.pb").is_file()
            for v in list_versions(folder)
        ):
            names.append(folder.name)
    return names


def models_config_text(
    names: Sequence[str], base_path_prefix: str
) -> str:
    """TF Serving's `ModelServerConfig` text for the given models.

    Args:
        names: model names; each is served from `<prefix>/<name>`.
        base_path_prefix: str, the folder holding the models as the server
            sees it (an absolute path, or e.g. `/models` inside Docker).

    Returns:
        The text-format protobuf.
    """
    lines = ["model_config_list {"]
    for name in names:
        base_path = f"{base_path_prefix.rstrip('/')}/{name}"
        lines += [
            "  config {",
            f"    name: {json.dumps(name)}",
            f"    base_path: {json.dumps(base_path)}",
            '    model_platform: "tensorflow"',
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_models_config(
    base_dir: os.PathLike = "saved_models",
    base_path_prefix: str | None = None,
    output_path: os.PathLike | None = None,
) -> pathlib.Path:
    """Writes `models.config` listing every exported model under `base_dir`.

    Args:
        base_dir: folder holding one sub-folder per model.
            Defaults to `"saved_models"`.
        base_path_prefix: str, where the server finds `base_dir`; `None`
            uses `base_dir`'s absolute path (a server on this machine).
            Defaults to `None`.
        output_path: file to write; `None` writes
            `<base_dir>/models.config`. Defaults to `None`.

    Returns:
        `pathlib.Path` of the file written (replaced atomically).

    Raises:
        ValueError: if no model under `base_dir` has an exported version.

    Example:

    >>> write_models_config("saved_models", base_path_prefix="/models")
    PosixPath('saved_models/models.config')
    """
    base_dir = pathlib.Path(base_dir)
    names = exported_models(base_dir)
    if not names:
        raise ValueError(
            f"Received `base_dir={str(base_dir)!r}`, which holds no exported "
            "model (<name>/<integer version>/saved_model.pb); export one "
            "first, e.g. `python -m apps.addition.train`."
        )
    if base_path_prefix is None:
        base_path_prefix = str(base_dir.resolve())
    output_path = pathlib.Path(output_path or base_dir / MODELS_CONFIG)
    return _write_atomically(
        output_path, models_config_text(names, base_path_prefix)
    )


def _write_atomically(path: pathlib.Path, text: str) -> pathlib.Path:
    """Writes `text` to a temporary sibling, then renames it to `path`."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def _cpu_cores() -> int:
    return os.cpu_count() or 1


def _require_integer(name: str, value, lowest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        kind = "a non-negative" if lowest == 0 else "a positive"
        raise ValueError(
            f"Received `{name}={value!r}`; expected {kind} integer."
        )


@dataclasses.dataclass(frozen=True)
class BatchingConfig:
    """TF Serving's server-side batching parameters, with CPU defaults.

    With `--enable_batching`, TF Serving queues concurrent `Predict` calls to
    the same signature and runs them as one batch, concatenated along the
    first dimension, then splits the answers back per request. That is safe
    for every `serving_default` here: each takes a `[batch]` vector of
    strings (text, or encoded image bytes) and answers `[batch]` strings, so
    any requests concatenate and no padding is involved. Padding
    (`pad_variable_length_inputs`) only concerns inputs with further
    variable dimensions, such as addition's `digits` signature
    (`[batch, time, 2]`): padded steps would change what a recurrent model
    reads and the shape of its answer, so it stays off, and concurrent
    calls to such a signature batch together only when their other
    dimensions agree (TF Serving refuses the batch otherwise).

    The defaults follow TF Serving's batching guide for CPU-only servers:
    one batch thread per core, a timeout of about a millisecond to gather
    concurrent clients without adding much latency, and a short queue so
    an overloaded server answers UNAVAILABLE instead of queueing for long.

    Args:
        max_batch_size: int, the most examples (rows, summed over the
            requests) in one batch. Defaults to `32`.
        batch_timeout_micros: int, how long a partly filled batch waits
            for more requests, in microseconds. Defaults to `1000`.
        max_enqueued_batches: int, batches that may wait for a thread.
            Defaults to `16`.
        num_batch_threads: int, batches run in parallel. Defaults to the
            number of CPU cores of the machine that builds the config.
        pad_variable_length_inputs: bool, pad inputs whose non-batch
            dimensions differ between requests. Defaults to `False`.

    Raises:
        ValueError: if a size or count is not a positive integer, or the
            timeout is negative.

    Example:

    >>> print(BatchingConfig(num_batch_threads=2).text(), end="")
    max_batch_size { value: 32 }
    batch_timeout_micros { value: 1000 }
    max_enqueued_batches { value: 16 }
    num_batch_threads { value: 2 }
    pad_variable_length_inputs: false
    """

    max_batch_size: int = 32
    batch_timeout_micros: int = 1000
    max_enqueued_batches: int = 16
    num_batch_threads: int = dataclasses.field(default_factory=_cpu_cores)
    pad_variable_length_inputs: bool = False

    def __post_init__(self):
        for name in ("max_batch_size", "max_enqueued_batches",
                     "num_batch_threads"):
            _require_integer(name, getattr(self, name), lowest=1)
        _require_integer(
            "batch_timeout_micros", self.batch_timeout_micros, lowest=0
        )

    def text(self) -> str:
        """The config as TF Serving's text-format `BatchingParameters`."""
        lines = [
            f"{name} {{ value: {getattr(self, name)} }}"
            for name in ("max_batch_size", "batch_timeout_micros",
                         "max_enqueued_batches", "num_batch_threads")
        ]
        pad = str(self.pad_variable_length_inputs).lower()
        lines.append(f"pad_variable_length_inputs: {pad}")
        return "\n".join(lines) + "\n"


def write_batching_parameters(
    base_dir: os.PathLike = "saved_models",
    config: BatchingConfig | None = None,
    output_path: os.PathLike | None = None,
) -> pathlib.Path:
    """Writes `batching_parameters.txt` for `--batching_parameters_file`.

    Args:
        base_dir: folder of exported models, where `models.config` is.
            Defaults to `"saved_models"`.
        config: a `BatchingConfig`; `None` uses the CPU defaults.
            Defaults to `None`.
        output_path: file to write; `None` writes
            `<base_dir>/batching_parameters.txt`. Defaults to `None`.

    Returns:
        `pathlib.Path` of the file written (replaced atomically).

    Example:

    >>> write_batching_parameters("saved_models")
    PosixPath('saved_models/batching_parameters.txt')
    """
    config = config or BatchingConfig()
    output_path = pathlib.Path(
        output_path or pathlib.Path(base_dir) / BATCHING_PARAMETERS
    )
    return _write_atomically(output_path, config.text())


def _json_value(value):
    """One instance value in TF Serving's JSON encoding."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Mapping):
        return {key: _json_value(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _json_value(value.tolist())
    return value


def predict_request_body(
    instances: Sequence[object],
    signature_name: str | None = None,
    binary_as_b64: bool = True,
) -> str:
    """The JSON body of a REST `:predict` call in row format.

    Args:
        instances: one value per example (a str, bytes, number or nested
            list for a single-input signature, or a dict from input name to
            value for several inputs).
        signature_name: str or `None` for `serving_default`.
            Defaults to `None`.
        binary_as_b64: bool, `True` sends every bytes value as
            `{"b64": ...}`; `False` only those that are not valid UTF-8.
            Defaults to `True`.

    Returns:
        str, the JSON text.

    Example:

    >>> predict_request_body(["123+456"])
    '{"instances": ["123+456"]}'
    >>> predict_request_body([b"\\xff"])
    '{"instances": [{"b64": "/w=="}]}'
    """
    if isinstance(instances, (str, bytes)):
        raise TypeError(
            f"Received `instances={instances!r}`; expected a list of "
            "examples, e.g. ['123+456']."
        )

    def encode(value):
        if binary_as_b64 and isinstance(value, bytes):
            return {"b64": base64.b64encode(value).decode("ascii")}
        if isinstance(value, Mapping):
            return {key: encode(v) for key, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        return _json_value(value)

    body = {"instances": [encode(v) for v in instances]}
    if signature_name:
        body = {"signature_name": signature_name, **body}
    return json.dumps(body)


def predict_url(
    model_name: str,
    host: str = "localhost",
    port: int = DEFAULT_REST_PORT,
    version: int | None = None,
) -> str:
    """The REST `:predict` URL of a served model.

    Example:

    >>> predict_url("addition")
    'http://localhost:8501/v1/models/addition:predict'
    """
    version_part = f"/versions/{version}" if version is not None else ""
    return f"http://{host}:{port}/v1/models/{model_name}{version_part}:predict"


def post_predict(
    url: str, body: str, timeout: float = 30.0
) -> dict:
    """Sends a `:predict` body and returns the decoded JSON answer.

    Args:
        url: str, from `predict_url`.
        body: str, from `predict_request_body`.
        timeout: float, seconds. Defaults to `30.0`.

    Returns:
        dict, TF Serving's answer (`{"predictions": [...]}`).
    """
    request = urllib.request.Request(
        url,
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m saved_models.serving`."""
    parser = argparse.ArgumentParser(
        prog="python -m saved_models.serving",
        description="Write TF Serving's models.config for every exported "
        "model and batching_parameters.txt beside it, and print how to "
        "query them.",
    )
    parser.add_argument(
        "--base_dir",
        default="saved_models",
        help="folder of exported models (default: 'saved_models')",
    )
    parser.add_argument(
        "--base_path_prefix",
        default=None,
        help="where the server sees --base_dir, e.g. /models in Docker "
        "(default: its absolute path here)",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="file to write (default: <base_dir>/models.config)",
    )
    return parser


def main(argv=None) -> None:
    """Parses the command line, writes `models.config` and batching."""
    args = build_parser().parse_args(argv)
    try:
        path = write_models_config(
            args.base_dir, args.base_path_prefix, args.output
        )
    except ValueError as error:
        raise SystemExit(str(error)) from None
    batching = write_batching_parameters(
        output_path=path.with_name(BATCHING_PARAMETERS)
    )
    print(f"Wrote {path}:\n{path.read_text()}")
    print(f"Wrote {batching}:\n{batching.read_text()}")
    for name in exported_models(args.base_dir):
        print(f"POST {predict_url(name)}")


if __name__ == "__main__":
    main()
