"""Checks exported versions the way TensorFlow Serving will see them.

`python -m saved_models.check <dir>` takes one version folder
(`saved_models/addition/3`), one model folder (its newest version) or a
whole `saved_models/` tree, and for each version:

1. **complete**: `saved_model.pb`, `variables/variables.index` and its data
   shards, and `assets.extra/tf_serving_warmup_requests` are there;
2. **ops**: every op of every graph function is registered by TensorFlow
   itself or by tensorflow-text (listed apart: TF Serving's model server
   embeds its own tensorflow-text build), and none is one a stock CPU model
   server cannot run: cuDNN kernels (`CudnnRNN*`), XLA launches or
   must-compile functions, Python callbacks (`PyFunc`, `EagerPyFunc`);
3. **signatures**: each signature's inputs and outputs with dtype and shape,
   as `saved_model_cli show --all` lists them;
4. **warm-up**: a fresh Python process that imports only `tensorflow` and
   `tensorflow_text` loads the version and replays every warm-up record,
   each of which must answer with finite numbers;
5. **C++ load**: `saved_models.cpp_loader` loads the version with
   `tensorflow::LoadSavedModel`, TF Serving's loader, in a program without
   Python (tensorflow-text's op libraries loaded first when the graph uses
   them) and replays the warm-up records, whose answers must equal the
   Python ones (strings and integers exactly, floats to 1e-5). Where the
   program cannot be built (no `g++`, no tensorflow headers) the report says
   "C++ loader: not built (reason)" and this check is skipped.

It prints one block per version and exits with code 1 when any check fails.

Example:

```
python -m saved_models.check saved_models
python -m saved_models.check saved_models/addition/1
```
"""

import argparse
import dataclasses
import json
import os
import pathlib
import sys
import tempfile
from collections.abc import Mapping, Sequence

from saved_models import cpp_loader
from saved_models.export import list_versions
from saved_models.fresh_process import run_isolated
from saved_models.warmup import WARMUP_FILE, read_warmup_inputs

# Op types a stock CPU TensorFlow Serving model server cannot run.
UNSERVABLE_OPS = {
    "CudnnRNN": "a cuDNN kernel (GPU only)",
    "CudnnRNNV2": "a cuDNN kernel (GPU only)",
    "CudnnRNNV3": "a cuDNN kernel (GPU only)",
    "CudnnRNNBackprop": "a cuDNN kernel (GPU only)",
    "XlaLaunch": "an XLA launch (needs --xla_cpu_compilation_enabled)",
    "_XlaCompile": "an XLA compilation (needs --xla_cpu_compilation_enabled)",
    "_XlaRun": "an XLA run (needs --xla_cpu_compilation_enabled)",
    "PyFunc": "a Python callback (no Python in the model server)",
    "PyFuncStateless": "a Python callback (no Python in the model server)",
    "EagerPyFunc": "a Python callback (no Python in the model server)",
}

# Runs in the fresh process: sys.argv[1] the version, sys.argv[2] a JSON
# file of warm-up inputs and the graph's op types.
_CHILD = r"""
import json, base64
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import op_def_pb2
from tensorflow.python.client import pywrap_tf_session as c_api

def registered():
    ops = op_def_pb2.OpList.FromString(
        c_api.TF_GetBuffer(c_api.TF_GetAllOpList()))
    return {op.name for op in ops.op}

core = registered()
try:
    import tensorflow_text  # noqa: F401  (registers its ops)
except ImportError:
    pass
text = registered() - core
job = json.load(open(sys.argv[2]))
report = {"unknown_ops": sorted(set(job["ops"]) - core - text),
          "text_ops": sorted(set(job["ops"]) & text), "warmup": []}
loaded = tf.saved_model.load(sys.argv[1])
report["signatures"] = {
    name: {
        "inputs": {k: [v.dtype.name, v.shape.as_list() if v.shape.rank is
                       not None else None]
                   for k, v in fn.structured_input_signature[1].items()},
        "outputs": {k: [v.dtype.name, v.shape.as_list() if v.shape.rank is
                        not None else None]
                    for k, v in fn.structured_outputs.items()},
    }
    for name, fn in loaded.signatures.items()
}
def decode(entry):
    if entry["dtype"] == "string":
        values = [base64.b64decode(v) for v in entry["b64"]]
        return tf.reshape(tf.constant(values, tf.string), entry["shape"])
    return tf.constant(np.array(entry["values"], entry["dtype"]).reshape(
        entry["shape"]))
def encode(tensor):
    array = tensor.numpy()
    entry = {"dtype": tensor.dtype.name, "shape": list(array.shape)}
    if tensor.dtype == tf.string:
        entry["b64"] = [base64.b64encode(v).decode()
                        for v in array.reshape(-1)]
    else:
        entry["values"] = array.reshape(-1).tolist()
    return entry
def answer(record):
    fn = loaded.signatures[record["signature"]]
    try:
        outputs = fn(**{k: decode(v) for k, v in record["inputs"].items()})
        finite = all(
            bool(np.all(np.isfinite(t.numpy())))
            for t in outputs.values() if t.dtype.is_floating)
        return {"signature": record["signature"], "ok": finite,
                "error": "" if finite else "non-finite",
                "shapes": {k: t.shape.as_list() for k, t in outputs.items()},
                "outputs": {k: encode(t) for k, t in outputs.items()}}
    except Exception as error:  # report, never crash the check
        return {"signature": record["signature"], "ok": False,
                "error": " ".join(str(error).split())[:300], "shapes": {},
                "outputs": {}}
report["warmup"] = [answer(record) for record in job["warmup"]]
report["answers"] = [answer(record) for record in job["requests"]]
print("REPORT " + json.dumps(report))
"""


@dataclasses.dataclass
class VersionReport:
    """What `check_version` found.

    Args:
        path: the version folder.
        problems: list of str, each a failed check; empty when servable.
        signatures: dict name -> {"inputs": ..., "outputs": ...}, each
            tensor as `[dtype, shape]`.
        text_ops: sorted tensorflow-text op types the graph uses.
        warmup_records: int, warm-up records replayed.
        answers: list of dicts, one per extra request of `check_version`:
            `{"signature", "ok", "error", "shapes": {output: shape},
            "outputs": {output: encoded tensor}}` (tensors encoded as
            `cpp_loader` documents).
        cpp_result: str, how the C++ `LoadSavedModel` check went: `"ok
            (...)"`, `"failed"`, `"not built (reason)"` or `"not run
            (reason)"`; its failures are also in `problems`.
        cpp_load_ms: float milliseconds `LoadSavedModel` took, or `None`.
    """

    path: pathlib.Path
    problems: list = dataclasses.field(default_factory=list)
    signatures: dict = dataclasses.field(default_factory=dict)
    text_ops: list = dataclasses.field(default_factory=list)
    warmup_records: int = 0
    answers: list = dataclasses.field(default_factory=list)
    cpp_result: str = "not run (an earlier check failed)"
    cpp_load_ms: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def missing_files(version: pathlib.Path) -> list[str]:
    """The files a servable version lacks, relative to the version."""
    needed = ["saved_model.pb", "variables/variables.index", WARMUP_FILE]
    missing = [name for name in needed if not (version / name).is_file()]
    if not list((version / "variables").glob("variables.data-*")):
        missing.append("variables/variables.data-*")
    return missing


def graph_ops(version: pathlib.Path) -> tuple[set[str], list[str]]:
    """`(op types, names of must-compile functions)` of a SavedModel.

    Reads `saved_model.pb` itself: the graph and every library function.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel.FromString(
        (version / "saved_model.pb").read_bytes())
    ops, compiled = set(), []
    for meta_graph in saved.meta_graphs:
        ops.update(node.op for node in meta_graph.graph_def.node)
        for function in meta_graph.graph_def.library.function:
            ops.update(node.op for node in function.node_def)
            attr = function.attr.get("_XlaMustCompile")
            if attr is not None and attr.b:
                compiled.append(function.signature.name)
    return ops, compiled


def json_request(signature: str, inputs: Mapping[str, object]) -> dict:
    """A request as JSON for the fresh process (bytes travel as base64).

    Args:
        signature: str, the signature to call.
        inputs: input name -> array-like of numbers, `str` or `bytes`.

    Returns:
        `{"signature": ..., "inputs": {name: {"dtype", ...}}}`.
    """
    return {"signature": signature,
            "inputs": cpp_loader.encode_inputs(inputs)}


def _warmup_records(version: pathlib.Path) -> list[dict]:
    """Warm-up records as `json_request` dicts."""
    return [
        json_request(
            str(record["__signature_name__"]),
            {k: v for k, v in record.items() if not k.startswith("__")})
        for record in read_warmup_inputs(version / WARMUP_FILE)
    ]


def check_version(
    version: os.PathLike, requests: Sequence[Mapping] = ()
) -> VersionReport:
    """Runs every check on one version folder (see the module docstring).

    Args:
        version: the version folder.
        requests: extra requests for the fresh process to answer, each
            `{"signature": name, "inputs": {name: values}}`; their results
            land in `VersionReport.answers`. Defaults to `()`.

    Returns:
        A `VersionReport`.
    """
    version = pathlib.Path(version).resolve()
    report = VersionReport(version)
    missing = missing_files(version)
    if missing:
        report.problems.append(f"incomplete: missing {', '.join(missing)}")
    if "saved_model.pb" in missing:
        return report
    ops, compiled = graph_ops(version)
    for op in sorted(ops & UNSERVABLE_OPS.keys()):
        report.problems.append(f"op {op}: {UNSERVABLE_OPS[op]}")
    for name in compiled:
        report.problems.append(
            f"function {name} must be XLA-compiled (jit_compile=True)")
    warmup = [] if WARMUP_FILE in missing else _warmup_records(version)
    with tempfile.TemporaryDirectory() as tmp:
        job = pathlib.Path(tmp) / "job.json"
        job.write_text(json.dumps({
            "ops": sorted(ops), "warmup": warmup,
            "requests": [json_request(r["signature"], r["inputs"])
                         for r in requests],
        }))
        result = run_isolated(_CHILD, [str(version), str(job)])
    lines = [line for line in result.stdout.splitlines()
             if line.startswith("REPORT ")]
    if result.returncode != 0 or not lines:
        tail = " ".join(result.stderr.split()[-60:])
        report.problems.append(f"does not load in a fresh process: {tail}")
        return report
    child = json.loads(lines[-1][len("REPORT "):])
    for op in child["unknown_ops"]:
        report.problems.append(f"op {op}: registered by no installed library")
    for record in child["warmup"]:
        if not record["ok"]:
            report.problems.append(
                f"warm-up request to {record['signature']} failed: "
                f"{record['error']}")
    if "repository loaded: none" not in result.stdout:
        report.problems.append("loading it imported this repository's code")
    report.signatures = child["signatures"]
    report.text_ops = child["text_ops"]
    report.warmup_records = len(child["warmup"])
    report.answers = child["answers"]
    _check_in_cpp(report, warmup, child["warmup"])
    return report


def _check_in_cpp(
    report: VersionReport, warmup: list[dict], python_answers: list[dict]
) -> None:
    """Replays the warm-up in C++ and compares with the Python answers.

    Fills `report.cpp_result` and `report.cpp_load_ms`; failures and
    differences go to `report.problems`. A loader that cannot be built is
    no failure.
    """
    libraries = cpp_loader.text_op_libraries() if report.text_ops else ()
    try:
        result = cpp_loader.run_requests(report.path, warmup, libraries)
    except cpp_loader.CppLoaderUnavailable as error:
        report.cpp_result = f"not built ({error})"
        return
    except RuntimeError as error:
        report.cpp_result = "failed"
        report.problems.append(f"C++ LoadSavedModel: {error}")
        return
    report.cpp_load_ms = result["load_ms"]
    differences = [
        f"C++ answer to warm-up record {i + 1} ({record['signature']}) "
        f"differs from Python: {difference}"
        for i, (record, python, cpp) in enumerate(
            zip(warmup, python_answers, result["answers"]))
        if python["ok"]
        for difference in cpp_loader.answer_differences(
            python["outputs"], cpp["outputs"])]
    report.problems += differences
    report.cpp_result = "failed" if differences else (
        f"ok (loaded in {result['load_ms']:.0f} ms, "
        f"{len(result['answers'])} warm-up answers equal Python's)")


def find_versions(path: os.PathLike) -> list[pathlib.Path]:
    """The version folders under `path`: itself, a model's newest, or all.

    Args:
        path: a version folder (holds `saved_model.pb`), a model folder
            (integer sub-folders: the newest is checked, as TF Serving
            serves it) or a folder of model folders.

    Raises:
        FileNotFoundError: if `path` holds no exported version.
    """
    path = pathlib.Path(path)
    if (path / "saved_model.pb").is_file():
        return [path]
    if list_versions(path):
        return [path / str(list_versions(path)[-1])]
    found = []
    if path.is_dir():
        for child in sorted(p for p in path.iterdir() if p.is_dir()):
            if list_versions(child):
                found.append(child / str(list_versions(child)[-1]))
    if not found:
        raise FileNotFoundError(
            f"{path} holds no exported version (a folder with "
            "saved_model.pb, or integer version folders); export one with "
            "`python -m apps.<name>.export`.")
    return found


def format_report(report: VersionReport) -> str:
    """The printed block of one version."""
    lines = [f"{report.path}: {'OK' if report.ok else 'FAILED'}"]
    for name, spec in sorted(report.signatures.items()):
        lines.append(f"  signature {name}")
        for kind in ("inputs", "outputs"):
            for tensor, (dtype, shape) in sorted(spec[kind].items()):
                lines.append(f"    {kind[:-1]} {tensor}: {dtype} {shape}")
    if report.text_ops:
        lines.append(f"  tensorflow-text ops: {', '.join(report.text_ops)}")
    lines.append(f"  warm-up records replayed: {report.warmup_records}")
    lines.append(f"  C++ loader: {report.cpp_result}")
    lines += [f"  problem: {problem}" for problem in report.problems]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m saved_models.check`."""
    parser = argparse.ArgumentParser(
        prog="python -m saved_models.check",
        description="Check exported SavedModel versions as TF Serving "
        "loads them (files, ops, signatures, warm-up replay, C++ load).")
    parser.add_argument(
        "paths", nargs="+",
        help="version folders, model folders or a saved_models/ tree")
    return parser


def main(argv=None) -> int:
    """Checks every version found; returns 1 when any check fails."""
    args = build_parser().parse_args(argv)
    try:
        versions = [v for path in args.paths for v in find_versions(path)]
    except FileNotFoundError as error:
        print(f"{build_parser().prog}: error: {error}", file=sys.stderr)
        return 2
    reports = check_and_print(versions)
    return 0 if all(report.ok for report in reports) else 1


def check_and_print(versions: Sequence[pathlib.Path]) -> list[VersionReport]:
    """Checks each version, printing its block, then a count of servable."""
    reports = []
    for version in versions:
        reports.append(check_version(version))
        print(format_report(reports[-1]), flush=True)
    failed = sum(not report.ok for report in reports)
    print(f"{len(reports) - failed} of {len(reports)} versions servable.")
    return reports


if __name__ == "__main__":
    sys.exit(main())
