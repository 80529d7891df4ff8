"""The base class of the gated recurrent cells: weights, dropout, config."""

import keras
from keras import activations
from keras import constraints
from keras import initializers
from keras import ops
from keras import regularizers

from rnn_layers.cells.dropout_masks import DropoutMasks
from rnn_layers.fused.sequence_io import matmul_dtype_for
from rnn_layers.fused.sequence_io import recurrent_dropout_mask
from rnn_layers.fused.sequence_io import sequence_outputs
from rnn_layers.fused.sequence_io import time_major_mask
from rnn_layers.fused.sequence_io import time_major_projection


def _rate(name, value):
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(
            f"Received `{name}={value}`; expected a float in [0, 1)."
        )
    return value


class RecurrentCell(keras.layers.Layer, DropoutMasks):
    """Common machinery of `SimpleRNNCell`, `LSTMCell`, `GRUCell` and variants.

    Holds the Keras cell arguments (activations, initializers, regularizers,
    constraints, dropout rates and seed), creates the weights `kernel`,
    `recurrent_kernel` and `bias` with Keras' names and shapes, and returns
    every argument from `get_config()`. Subclasses set `gates` (how many
    `units`-wide blocks the kernels hold) and implement `call`. Those with a
    fused loop declare it by overriding `fused_support()` (which says, per
    configuration, whether the loop applies) and implement
    `fused_recurrence`; `fused_call` then runs whole sequences through it
    for `rnn_layers.RNN`.

    Args:
        units: positive int, dimensionality of the output space.
        activation: activation of the candidate/output. Defaults to `"tanh"`.
        recurrent_activation: activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: whether the cell uses a bias vector. Defaults to `True`.
        kernel_initializer: initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: initializer of `recurrent_kernel`. Defaults
            to `"orthogonal"`.
        bias_initializer: initializer of `bias`. Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the three weights. Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the three weights. Default to `None`.
        dropout: float in [0, 1), fraction of the inputs dropped (one mask per
            sequence). Defaults to `0.0`.
        recurrent_dropout: float in [0, 1), fraction of the previous hidden
            state dropped before the recurrent matmul. Defaults to `0.0`.
        seed: int, random seed of the dropout masks. Defaults to `None`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).
    """

    gates = 1

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received `units={units}`; expected a positive integer."
            )
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate("dropout", dropout)
        self.recurrent_dropout = _rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed=seed)

    @property
    def state_size(self):
        return [self.units]

    @property
    def output_size(self):
        return self.units

    def bias_initial_value(self, shape, dtype=None):
        """Initial bias; subclasses override (e.g. the LSTM forget bias)."""
        return self.bias_initializer(shape, dtype=dtype)

    def bias_shape(self):
        """Shape of `bias`; GRU with `reset_after` overrides it."""
        return (self.units * self.gates,)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, self.units * self.gates),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units * self.gates),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self.bias_shape(),
                name="bias",
                initializer=self.bias_initial_value,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def dropped_inputs(self, inputs, training):
        """Applies the input dropout mask when training."""
        if training and self.dropout > 0:
            return inputs * self.get_dropout_mask(inputs)
        return inputs

    def dropped_state(self, h_tm1, training):
        """Applies the recurrent dropout mask when training."""
        if training and self.recurrent_dropout > 0:
            return h_tm1 * self.get_recurrent_dropout_mask(h_tm1)
        return h_tm1

    def fused_input_weights(self):
        """`(kernel, bias)` of the hoisted input projection (bias or `None`)."""
        return self.kernel, self.input_bias() if self.use_bias else None

    def input_bias(self):
        """The bias added to the input projection."""
        return self.bias

    def fused_projection(self, sequences, input_mask, go_backwards):
        """The input term of every step, hoisted out of the fused loop.

        `x_t W + b` for all timesteps as one matmul, with the weights of
        `fused_input_weights()`; cells whose input term is more than that
        (the layer-normalized ones) override it.

        Args:
            sequences: `(batch, time, input_dim)`.
            input_mask: `(batch, input_dim)` dropout mask or `None`.
            go_backwards: whether to reverse the time axis.

        Returns:
            float32 `(time, batch, gates * units)`, in processing order.
        """
        kernel, bias = self.fused_input_weights()
        return time_major_projection(
            sequences, kernel, bias, input_mask, go_backwards
        )

    def fused_support(self):
        """Says whether this cell, as configured, can run a fused loop.

        `rnn_layers.RNN` asks before every sequence: `None` means
        `fused_call` applies; a string is the reason it does not (the layer
        then steps the cell, and says so when built with `fused=True`).
        Cells with a fused loop override this to check their activations
        and options; this base cell has none.

        Returns:
            `None`, or a sentence saying why the fused loop does not apply.
        """
        return f"{type(self).__name__} has no fused loop"

    def fused_recurrence(
        self,
        projected,
        initial_state,
        mask,
        recurrent_mask,
        matmul_dtype,
        compile_forward,
    ):
        """Runs the recurrence over projected inputs (subclasses implement).

        Args:
            projected: float32 `(time, batch, gates * units)`, `x_t W + b`.
            initial_state: list of float32 `(batch, units)` states.
            mask: float32 `(time, batch, 1)` or `None`.
            recurrent_mask: float32 `(batch, units)` or `None`.
            matmul_dtype: operand dtype of the matmuls.
            compile_forward: whether the forward loop may be XLA-compiled
                (training graphs only, never serving graphs).

        Cells with a `zoneout` rate also take `zoneout`: one float32 mask
        per state, `(time, batch, units)` or `(time, 1, 1)` (see
        `cells/zoneout.py`); `fused_call` passes it only when `zoneout > 0`.

        Returns:
            `(hidden_sequence, final_states)`.

        Raises:
            NotImplementedError: in cells without a fused loop, whose
                `fused_support()` never returns `None`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no fused loop; it runs step by step."
        )

    def fused_call(
        self,
        sequences,
        initial_state,
        mask,
        training,
        go_backwards,
        zoneout_masks=None,
    ):
        """Runs a whole sequence through the cell's fused loop.

        The input term of all timesteps is computed at once
        (`fused_projection`); the loop itself is `fused_recurrence`.

        Args:
            sequences: `(batch, time, input_dim)`.
            initial_state: list of initial states.
            mask: `(batch, time)` boolean mask or `None`.
            training: whether dropout applies.
            go_backwards: whether to process the sequence in reverse.
            zoneout_masks: for cells with `zoneout > 0`, the training masks
                `rnn_layers.RNN` drew (see `cells/zoneout.py`), or `None`
                (drawn here when training). Defaults to `None`.

        Returns:
            `(last_output, outputs, new_states)` as `keras.layers.RNN`'s loop
            returns them.

        Raises:
            ValueError: when `fused_support()` gives a reason the fused loop
                does not apply (e.g. an activation without a hand-written
                derivative).
        """
        reason = self.fused_support()
        if reason is not None:
            raise ValueError(
                f"{reason}; step the cell instead (`rnn_layers.RNN(cell, "
                "fused='auto')` does when needed)."
            )
        input_mask = None
        if training and self.dropout > 0:
            input_mask = self.get_dropout_mask(sequences[:, 0])
        projected = self.fused_projection(sequences, input_mask, go_backwards)
        step_mask = time_major_mask(mask, go_backwards)
        zoneout_kwargs = {}
        if getattr(self, "zoneout", 0) > 0:
            time, batch = ops.shape(sequences)[1], ops.shape(sequences)[0]
            if training and zoneout_masks is None:
                zoneout_masks = self.draw_zoneout_masks(time, batch)
            zoneout_kwargs["zoneout"] = self.fused_zoneout(
                zoneout_masks if training else None, time, go_backwards
            )
        hidden_sequence, states = self.fused_recurrence(
            projected,
            [ops.cast(state, "float32") for state in initial_state],
            step_mask,
            recurrent_dropout_mask(self, training, ops.shape(sequences)[0]),
            matmul_dtype_for(self.compute_dtype),
            compile_forward=training is True,
            **zoneout_kwargs,
        )
        last_output, outputs = sequence_outputs(
            hidden_sequence, step_mask, self.compute_dtype
        )
        return last_output, outputs, states

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, size), dtype=self.compute_dtype)
            for size in self.state_size
        ]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(
                self.recurrent_activation
            ),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(
                self.kernel_initializer
            ),
            "recurrent_initializer": initializers.serialize(
                self.recurrent_initializer
            ),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(
                self.kernel_regularizer
            ),
            "recurrent_regularizer": regularizers.serialize(
                self.recurrent_regularizer
            ),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(
                self.recurrent_constraint
            ),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
