"""The base of the drop-in sequence layers: build a cell, run it in `RNN`."""

from keras import activations
from keras import regularizers

from rnn_layers.layers.rnn import RNN

# Arguments that belong to the sequence layer rather than to its cell.
_SEQUENCE_ARGS = (
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
    "unroll",
    "zero_output_for_mask",
    "fused",
    "activity_regularizer",
    "name",
    "input_shape",
    "batch_input_shape",
    "batch_size",
)
# Base-layer arguments both the layer and its cell take.
_SHARED_ARGS = ("dtype", "trainable")
# Keras cells' own layer-level config keys, not constructor arguments.
_CELL_BASE_KEYS = ("name", "dtype", "trainable")


class CellLayer(RNN):
    """A sequence layer that builds its own cell from Keras-style arguments.

    Subclasses set `cell_class`; their constructors take the cell's arguments
    and the sequence arguments side by side, exactly like `keras.layers.LSTM`,
    and `get_config()` returns them flat, so a Keras config loads into the
    matching `rnn_layers` layer and back.

    Args:
        units: positive int, dimensionality of the output space.
        use_cudnn: accepted so that configs of `keras.layers.LSTM/GRU` load;
            the fused loop never emits cuDNN ops, so exported graphs run on
            any device. Defaults to `"auto"`.
        **kwargs: the cell's arguments (see the cell class) and `RNN`'s.
    """

    cell_class = None
    # Cell arguments exposed read-only on the layer, as Keras' layers do.
    cell_properties = (
        "units",
        "activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
        "dropout",
        "recurrent_dropout",
        "seed",
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.cell_properties:
            setattr(cls, name, property(lambda self, n=name: getattr(
                self.cell, n)))

    def __init__(self, units, use_cudnn="auto", **kwargs):
        layer_kwargs = {
            key: kwargs.pop(key) for key in _SEQUENCE_ARGS if key in kwargs
        }
        for key in _SHARED_ARGS:
            if key in kwargs:
                layer_kwargs[key] = kwargs[key]
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"Received `use_cudnn={use_cudnn!r}`; expected one of "
                "'auto', True, False."
            )
        cell_name = f"{self.cell_class.__name__[:-4].lower()}_cell"
        cell = self.cell_class(units, name=cell_name, **kwargs)
        if isinstance(layer_kwargs.get("activity_regularizer"), str):
            layer_kwargs["activity_regularizer"] = regularizers.get(
                layer_kwargs["activity_regularizer"]
            )
        super().__init__(cell, **layer_kwargs)
        self.use_cudnn = use_cudnn

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in _CELL_BASE_KEYS:
            cell_config.pop(key, None)
        config.update(cell_config)
        config["use_cudnn"] = self.use_cudnn
        config["activity_regularizer"] = regularizers.serialize(
            self.activity_regularizer
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("activation", "recurrent_activation"):
            if key in config:
                config[key] = activations.deserialize(config[key])
        return cls(**config)
