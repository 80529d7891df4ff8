import os
import subprocess
import sys
import textwrap


def test_runs_on_jax_with_tensorflow_absent():
    # The GPU machines carry JAX but no TensorFlow: rnn_layers must import
    # and train there.
    script = textwrap.dedent(
        """
        import sys
        sys.modules["tensorflow"] = None  # any import of it now fails
        import jax, numpy as np, keras, rnn_layers
        layer = rnn_layers.LSTM(3, return_sequences=True)
        x = np.ones((2, 4, 5), "float32")
        layer.build(x.shape)
        weights = [v.value for v in layer.trainable_variables]
        rest = [v.value for v in layer.non_trainable_variables]
        def loss(w):
            out, _ = layer.stateless_call(w, rest, x)
            return (out ** 2).sum()
        grads = jax.grad(loss)(weights)
        print(float(sum(abs(g).sum() for g in grads)) > 0)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True,
        env={**os.environ, "KERAS_BACKEND": "jax"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("True")
