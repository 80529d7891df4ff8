"""Runs a Python script in a fresh interpreter that cannot see this repository.

A SavedModel is only servable if it loads where none of the project's code
is importable (TF Serving runs the graph alone). `run_isolated` starts
`sys.executable -c script` from an empty temporary working directory with
`PYTHONPATH` removed, so `import rnn_layers` or `import apps` would fail in
the child: what it answers comes from the exported graph.

Example:

```python
result = run_isolated(
    "import sys, tensorflow as tf; print(tf.saved_model.load(sys.argv[1]))",
    ["saved_models/addition/1"],
)
print(result.stdout)
```
"""

import os
import subprocess
import sys
import tempfile

# Appended to every script: prints which project packages the child loaded.
LEAK_CHECK = """
leaked = sorted(m for m in ("rnn_layers", "apps", "datasets", "saved_models")
                if m in sys.modules)
print("  modules from this repository loaded:", leaked or "none")
"""


def run_isolated(
    script: str, args: list[str], timeout: float | None = 600
) -> subprocess.CompletedProcess:
    """Runs `script` with `args` in a new Python that imports nothing of ours.

    Paths in `args` are passed as given, so pass absolute ones (the child
    runs from a temporary directory).

    Args:
        script: str, Python source; it reads its arguments from `sys.argv[1:]`.
            `LEAK_CHECK` is appended, so its output ends with the line
            "modules from this repository loaded: none".
        args: list of str, the child's command-line arguments.
        timeout: float seconds, or `None` to wait forever. Defaults to `600`.

    Returns:
        The finished `subprocess.CompletedProcess` (text stdout and stderr);
        the caller checks `returncode`.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run(
            [sys.executable, "-c", "import sys\n" + script + LEAK_CHECK]
            + list(args),
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
