"""Loads SavedModel versions from C++, with the loader TF Serving uses.

No TF Serving binary can be installed here, so this goes one level down:
`cpp/saved_model_run.cc` is a small program built against the installed
tensorflow wheel (its `include/` headers, `libtensorflow_cc.so.2` and
`libtensorflow_framework.so.2`). It loads a version with
`tensorflow::LoadSavedModel` (tag `serve`, a `DirectSession`), as the model
server does, runs signatures on requests and prints every output tensor as
JSON. No Python runs in that process.

The program is built on first use into a cache folder outside the
repository (`$RNN_SUITE_CACHE_DIR`, else `$XDG_CACHE_HOME/rnn-suite`, else
`~/.cache/rnn-suite`), under a name keyed by the source, the compiler and
the wheel, so an edit or a new tensorflow rebuilds it. The compiler writes
to a temporary name that is then renamed, so a half-written binary is never
run. Building takes about 20 s.

Linking: `LoadSavedModel` lives in `libtensorflow_framework.so.2`, but the
`DirectSession` factory registers itself from a static initializer of
`libtensorflow_cc.so.2`. With the default `--as-needed` linking, a program
that only calls `LoadSavedModel` drops `libtensorflow_cc.so.2` and fails
with "No session factory registered for the given session options"; the
build therefore links it with `-Wl,--no-as-needed`.

Requests and answers use one JSON format (the one `check.json_request`
writes): an input is `{"dtype", "shape", "b64": [base64 strings]}` or
`{"dtype", "values": nested numbers}`; an output is `{"dtype", "shape",
"b64"}` for strings and `{"dtype", "shape", "values": flat row-major}`
otherwise.

Example:

```
python -m saved_models.cpp_loader saved_models/addition/1 problems=12+7
```
"""

import base64
import hashlib
import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence

import numpy as np

SOURCE = pathlib.Path(__file__).with_name("cpp") / "saved_model_run.cc"
PROGRAM = "saved_model_run"
# The tolerance C++ and Python float answers must agree to.
TOLERANCE = 1e-5


class CppLoaderUnavailable(RuntimeError):
    """The C++ loader cannot be built here (no compiler or no headers)."""


class BuildFailed(CppLoaderUnavailable):
    """The compiler ran and failed (a bug here, not a missing tool)."""


def cache_dir() -> pathlib.Path:
    """The folder that holds built binaries (see the module docstring)."""
    if os.environ.get("RNN_SUITE_CACHE_DIR"):
        return pathlib.Path(os.environ["RNN_SUITE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "rnn-suite"


def tensorflow_dir() -> pathlib.Path:
    """The installed tensorflow package folder, found without importing it.

    Raises:
        CppLoaderUnavailable: if tensorflow is not installed.
    """
    spec = importlib.util.find_spec("tensorflow")
    if spec is None or not spec.submodule_search_locations:
        raise CppLoaderUnavailable("tensorflow is not installed")
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def find_compiler() -> str:
    """The C++ compiler: `$CXX`, else `g++`.

    Raises:
        CppLoaderUnavailable: if it is not on `PATH`.
    """
    name = os.environ.get("CXX", "g++")
    found = shutil.which(name)
    if found is None:
        raise CppLoaderUnavailable(f"no C++ compiler: `{name}` is not on PATH")
    return found


def _require_wheel_files(tf_dir: pathlib.Path) -> None:
    """Raises `CppLoaderUnavailable` unless headers and libraries are there."""
    needed = ["include/tensorflow/cc/saved_model/loader.h",
              "libtensorflow_cc.so.2", "libtensorflow_framework.so.2"]
    missing = [name for name in needed if not (tf_dir / name).is_file()]
    if missing:
        raise CppLoaderUnavailable(
            f"the tensorflow wheel at {tf_dir} lacks {', '.join(missing)}")


def missing_build_tools() -> str:
    """Why the program cannot be built here, or `""` when it can.

    Example:

    >>> missing_build_tools()
    ''
    """
    try:
        find_compiler()
        _require_wheel_files(tensorflow_dir())
    except CppLoaderUnavailable as error:
        return str(error)
    return ""


def build_command(
    compiler: str, tf_dir: pathlib.Path, output: os.PathLike
) -> list[str]:
    """The compile-and-link command line of the program.

    Args:
        compiler: str, path of the C++ compiler.
        tf_dir: the tensorflow package folder.
        output: where the binary goes.

    Returns:
        list of str, the argv to run.
    """
    import tensorflow as tf  # only when building: the wheel's own flags

    return [
        compiler, "-O1", "-w", *tf.sysconfig.get_compile_flags(),
        str(SOURCE), "-o", str(output),
        f"-L{tf_dir}", "-Wl,--no-as-needed", "-l:libtensorflow_cc.so.2",
        "-l:libtensorflow_framework.so.2", f"-Wl,-rpath,{tf_dir}",
    ]


def binary_path(compiler: str, tf_dir: pathlib.Path) -> pathlib.Path:
    """Where the binary for this source, compiler and wheel is cached."""
    key = hashlib.sha256()
    key.update(SOURCE.read_bytes())
    for path in (pathlib.Path(compiler), tf_dir / "libtensorflow_cc.so.2"):
        stat = path.resolve().stat()
        stamp = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        key.update(stamp.encode())
    return cache_dir() / f"{PROGRAM}-{key.hexdigest()[:16]}"


def build_binary(timeout: float = 900) -> pathlib.Path:
    """Builds the program unless it is cached; returns its path.

    Args:
        timeout: float seconds the compiler may run. Defaults to `900`.

    Returns:
        The `pathlib.Path` of the executable.

    Raises:
        CppLoaderUnavailable: if no compiler, tensorflow headers or
            libraries are present.
        BuildFailed: if the compiler fails (its last lines are in the
            message).

    Example:

    >>> build_binary()
    PosixPath('/root/.cache/rnn-suite/saved_model_run-3f2c...')
    """
    compiler = find_compiler()
    tf_dir = tensorflow_dir()
    _require_wheel_files(tf_dir)
    target = binary_path(compiler, tf_dir)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}-", dir=target.parent)
    os.close(handle)
    try:
        try:
            result = subprocess.run(
                build_command(compiler, tf_dir, temporary),
                capture_output=True, text=True, check=False, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise BuildFailed(f"{compiler} ran over {timeout} s") from error
        if result.returncode != 0:
            tail = " ".join(result.stderr.split()[-80:])
            raise BuildFailed(f"{compiler} failed: {tail}")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def text_op_libraries() -> list[pathlib.Path]:
    """tensorflow-text's op libraries (`python/ops/_*.so`), if installed.

    Found without importing `tensorflow_text`; `[]` when it is absent.
    """
    spec = importlib.util.find_spec("tensorflow_text")
    if spec is None or not spec.submodule_search_locations:
        return []
    package = pathlib.Path(list(spec.submodule_search_locations)[0])
    return sorted((package / "python" / "ops").glob("_*.so"))


def encode_inputs(inputs: Mapping[str, object]) -> dict:
    """Signature inputs as the program's JSON (bytes travel as base64).

    Args:
        inputs: input name -> array-like of numbers, `str` or `bytes`.

    Returns:
        dict name -> `{"dtype", "shape", "b64"}` or `{"dtype", "shape",
        "values"}`.
    """
    encoded = {}
    for name, value in inputs.items():
        array = np.asarray(value)
        if array.dtype.kind in "OSU":
            flat = [v if isinstance(v, bytes) else str(v).encode()
                    for v in array.reshape(-1)]
            encoded[name] = {
                "dtype": "string", "shape": list(array.shape),
                "b64": [base64.b64encode(v).decode() for v in flat]}
        else:
            encoded[name] = {"dtype": array.dtype.name,
                             "shape": list(array.shape),
                             "values": array.tolist()}
    return encoded


def run_requests(
    version_dir: os.PathLike,
    requests: Sequence[Mapping],
    op_libraries: Sequence[os.PathLike] = (),
    timeout: float = 600,
) -> dict:
    """Loads a version once in the C++ program and answers every request.

    Args:
        version_dir: the version folder (holds `saved_model.pb`).
        requests: each `{"signature": name, "inputs": encoded}`, inputs as
            `encode_inputs` writes them; may be empty (a load check).
        op_libraries: custom-op libraries to load first (see
            `text_op_libraries`). Defaults to `()`.
        timeout: float seconds. Defaults to `600`.

    Returns:
        `{"load_ms": float, "answers": [{"signature", "run_ms",
        "outputs": {name: {"dtype", "shape", "values" or "b64"}}}]}`.

    Raises:
        CppLoaderUnavailable: if the program cannot be built.
        RuntimeError: if the program fails (its error message, e.g. the
            version does not load or a signature does not run) or runs
            over `timeout`.
    """
    command = [str(build_binary())]
    for library in op_libraries:
        command += ["--op_library", str(library)]
    command.append(str(pathlib.Path(version_dir).resolve()))
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        result = subprocess.run(
            command, input=json.dumps(list(requests)), capture_output=True,
            text=True, env=env, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(
            f"{PROGRAM} ran over {timeout} s on {version_dir}") from error
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines()
                  if line.startswith(f"{PROGRAM}: error:")]
        message = errors[-1] if errors else " ".join(
            result.stderr.split()[-60:])
        raise RuntimeError(f"{message} (exit code {result.returncode})")
    return json.loads(result.stdout)


def run_signature(
    version_dir: os.PathLike,
    signature: str,
    inputs: Mapping[str, object],
    op_libraries: Sequence[os.PathLike] = (),
) -> dict:
    """Runs one signature of a version in the C++ program.

    Args:
        version_dir: the version folder.
        signature: str, e.g. `"serving_default"`.
        inputs: input name -> array-like of numbers, `str` or `bytes`.
        op_libraries: custom-op libraries to load first. Defaults to `()`.

    Returns:
        dict output name -> `numpy.ndarray` (strings as `bytes` objects).

    Raises:
        CppLoaderUnavailable: if the program cannot be built.
        RuntimeError: if the version does not load or the signature fails.

    Example:

    >>> run_signature("/tmp/toy/1", "serving_default", {"x": [[1.0, 2.0]]})
    {'y': array([[ 0.46, -1.32,  2.36]], dtype=float32)}
    """
    request = {"signature": signature, "inputs": encode_inputs(inputs)}
    (answer,) = run_requests(version_dir, [request], op_libraries)["answers"]
    return {name: decode_tensor(tensor)
            for name, tensor in answer["outputs"].items()}


def decode_tensor(tensor: Mapping) -> np.ndarray:
    """An output of the program's JSON as a numpy array (strings as bytes)."""
    if "b64" in tensor:
        flat = np.array([base64.b64decode(v) for v in tensor["b64"]],
                        dtype=object)
        return flat.reshape(tensor["shape"])
    return np.array(tensor["values"], dtype=tensor["dtype"]).reshape(
        tensor["shape"])


def tensor_differences(
    name: str, expected: Mapping, actual: Mapping
) -> list[str]:
    """How two encoded tensors differ; `[]` when they agree.

    Strings and integers must be equal; floats within `TOLERANCE`
    (absolute and relative), NaN matching NaN.
    """
    for field in ("dtype", "shape"):
        if expected.get(field) != actual.get(field):
            return [f"{name}: {field} {actual.get(field)} in C++, "
                    f"{expected.get(field)} in Python"]
    if "b64" in expected or "b64" in actual:
        same = expected.get("b64") == actual.get("b64")
        return [] if same else [f"{name}: strings differ"]
    # Parsed at the tensor's own dtype first: C++ prints a float32 with the
    # 9 digits that round-trip it, Python with float64's 17.
    dtype = expected["dtype"] if expected["dtype"] in np.sctypeDict else (
        "float64")
    want = np.asarray(expected["values"], dtype).astype(np.float64)
    got = np.asarray(actual["values"], dtype).astype(np.float64)
    if dtype.startswith(("float", "bfloat")):
        close = np.isclose(got, want, rtol=TOLERANCE, atol=TOLERANCE,
                           equal_nan=True)
    else:
        close = got == want
    if np.all(close):
        return []
    worst = float(np.nanmax(np.abs(got - want))) if got.size else 0.0
    return [f"{name}: {int(np.sum(~close))} of {close.size} values differ "
            f"(largest difference {worst:.3g})"]


def answer_differences(expected: Mapping, actual: Mapping) -> list[str]:
    """How a C++ answer's outputs differ from a Python one's.

    Args:
        expected: dict output name -> encoded tensor (the Python answer).
        actual: dict output name -> encoded tensor (the C++ answer).

    Returns:
        list of str, one per difference; `[]` when they agree.
    """
    if sorted(expected) != sorted(actual):
        return [f"outputs {sorted(actual)} in C++, {sorted(expected)} in "
                "Python"]
    return [problem for name in sorted(expected)
            for problem in tensor_differences(
                name, expected[name], actual[name])]


def main(argv=None) -> int:
    """`python -m saved_models.cpp_loader VERSION_DIR [args]`: builds, runs.

    Every argument goes to the program unchanged (see `cpp/saved_model_run.cc`:
    `--op_library`, `--signature`, `name=value` string inputs, or a JSON
    request on stdin); `--text_ops` adds tensorflow-text's op libraries.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        binary = build_binary()
    except CppLoaderUnavailable as error:
        print(f"saved_models.cpp_loader: not built ({error})", file=sys.stderr)
        return 2
    if "--text_ops" in args:
        args.remove("--text_ops")
        for library in text_op_libraries():
            args = ["--op_library", str(library), *args]
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    result = subprocess.run([str(binary), *args], env=env, check=False)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
