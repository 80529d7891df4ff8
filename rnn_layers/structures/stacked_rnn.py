"""Stacked and deep bidirectional recurrent networks, with residual links."""

import keras

from rnn_layers.layers.rnn import RNN

_MERGE_MODES = ("concat", "sum", "mul", "ave")


@keras.saving.register_keras_serializable(package="rnn_layers")
class StackedRNN(keras.layers.Layer):
    """A stack of recurrent layers, optionally bidirectional and residual.

    The seed notes' deep RNN and deep bidirectional RNN (000, 7.3 网络结构):
    layer `i` reads the output sequence of layer `i - 1`,

    ```
    h^i_t = f(W^i h^{i-1}_t + V^i h^i_{t-1} + b^i)
    ```

    and with `bidirectional=True` every layer runs forwards and backwards
    and merges the two (`merge_mode`), so the next layer sees both contexts.
    With `residual=True` each layer after the first adds its input to its
    output (Wu et al., 2016, GNMT), which needs equal widths; with
    `return_sequences=False` the top layer adds its input's last step.

    Args:
        cells: list of RNN cells, one per layer, bottom first.
        bidirectional: whether each layer is bidirectional. Defaults to
            `False`.
        merge_mode: how a bidirectional layer merges its directions, one of
            `"concat"`, `"sum"`, `"mul"`, `"ave"`. Defaults to `"concat"`.
        residual: whether layers after the first add their input to their
            output. Defaults to `False`.
        return_sequences: whether the top layer returns every step.
            Defaults to `True`.
        return_state: whether to also return every layer's final states,
            bottom first (forward then backward for bidirectional layers).
            Defaults to `False`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: `(batch, time, features)`.
        mask: optional `(batch, time)` boolean mask.
        training: whether dropout applies.

    Returns:
        The top layer's output, `(batch, time, width)` or `(batch, width)`,
        followed by the final states when `return_state=True`.

    Example:

    >>> stack = StackedRNN([LSTMCell(4), LSTMCell(4)], bidirectional=True,
    ...                    merge_mode="sum", residual=True)
    >>> stack(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    def __init__(
        self,
        cells,
        bidirectional=False,
        merge_mode="concat",
        residual=False,
        return_sequences=True,
        return_state=False,
        **kwargs,
    ):
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(
                f"Received `cells={cells!r}`; expected a non-empty list of "
                "RNN cells, one per layer."
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Received `merge_mode={merge_mode!r}`; expected one of "
                f"{_MERGE_MODES}."
            )
        super().__init__(**kwargs)
        self.cells = [
            keras.saving.deserialize_keras_object(cell)
            if isinstance(cell, dict)
            else cell
            for cell in cells
        ]
        self.bidirectional = bidirectional
        self.merge_mode = merge_mode
        self.residual = residual
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.supports_masking = True
        self.rnn_layers = []
        for index, cell in enumerate(self.cells):
            top = index == len(self.cells) - 1
            layer = RNN(
                cell,
                return_sequences=return_sequences or not top,
                return_state=return_state,
                name=f"rnn_{index}",
            )
            if bidirectional:
                layer = keras.layers.Bidirectional(
                    layer, merge_mode=merge_mode, name=f"bidirectional_{index}"
                )
            self.rnn_layers.append(layer)

    def _output_width(self, cell):
        width = cell.output_size
        if self.bidirectional and self.merge_mode == "concat":
            width *= 2
        return width

    def build(self, input_shape):
        width = input_shape[-1]
        for index, (cell, layer) in enumerate(zip(self.cells, self.rnn_layers)):
            out_width = self._output_width(cell)
            if self.residual and index > 0 and out_width != width:
                raise ValueError(
                    f"Received `residual=True`, but layer {index} maps width "
                    f"{width} to {out_width}; residual links need equal "
                    "widths, so give every layer after the first the same "
                    "output width as its input."
                )
            layer.build(tuple(input_shape[:2]) + (width,))
            width = out_width

    def call(self, inputs, mask=None, training=False):
        outputs = inputs
        states = []
        for index, layer in enumerate(self.rnn_layers):
            result = layer(outputs, mask=mask, training=training)
            if self.return_state:
                result, *layer_states = result
                states.extend(layer_states)
            if self.residual and index > 0:
                top_is_last = index == len(self.rnn_layers) - 1
                previous = outputs
                if top_is_last and not self.return_sequences:
                    previous = outputs[:, -1]
                result = result + previous
            outputs = result
        if self.return_state:
            return [outputs] + states
        return outputs

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self._state_shapes())
        return output_mask

    def _state_shapes(self):
        shapes = []
        for cell in self.cells:
            sizes = cell.state_size
            sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
            shapes.extend(sizes * (2 if self.bidirectional else 1))
        return shapes

    def compute_output_shape(self, input_shape):
        width = input_shape[-1]
        for cell in self.cells:
            width = self._output_width(cell)
        if self.return_sequences:
            output_shape = tuple(input_shape[:2]) + (width,)
        else:
            output_shape = (input_shape[0], width)
        if self.return_state:
            return [output_shape] + [
                (input_shape[0], size) for size in self._state_shapes()
            ]
        return output_shape

    def get_config(self):
        config = {
            "cells": [
                keras.saving.serialize_keras_object(cell) for cell in self.cells
            ],
            "bidirectional": self.bidirectional,
            "merge_mode": self.merge_mode,
            "residual": self.residual,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
        }
        return {**super().get_config(), **config}
