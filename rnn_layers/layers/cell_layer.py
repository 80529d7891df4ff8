"""The base of the drop-in sequence layers: build a cell, run it in `RNN`."""

import inspect

import keras
from keras import activations
from keras import regularizers

from rnn_layers.layers.rnn import RNN

# Base-layer arguments both the layer and its cell take.
_SHARED_ARGS = ("dtype", "trainable")
# Keras cells' own layer-level config keys, not constructor arguments.
_CELL_BASE_KEYS = ("name", "dtype", "trainable")


def _cell_arguments(cell_class):
    """Names of the constructor arguments of `cell_class` and its cell bases.

    Collected from every `__init__` above `keras.layers.Layer` in the method
    resolution order, so a cell that forwards `**kwargs` to `RecurrentCell`
    still lists `RecurrentCell`'s arguments.
    """
    names = set()
    for klass in cell_class.__mro__:
        if klass is keras.layers.Layer:
            break
        init = vars(klass).get("__init__")
        if init is None:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind in (
                parameter.POSITIONAL_OR_KEYWORD,
                parameter.KEYWORD_ONLY,
            ):
                names.add(parameter.name)
    return names - {"self", "units"}


class CellLayer(RNN):
    """A sequence layer that builds its own cell from Keras-style arguments.

    Subclasses set `cell_class`; their constructors take the cell's arguments
    and the sequence arguments side by side, exactly like `keras.layers.LSTM`:
    the cell's constructor arguments go to the cell, everything else to
    `RNN` (so an unknown argument raises Keras' "Unrecognized keyword
    arguments passed to <Layer>" error, as in Keras). `get_config()` returns
    them flat, and leaves out the project-only arguments (`fused`,
    `zoneout`) while they hold their defaults, so a Keras config loads into
    the matching `rnn_layers` layer and the config of a default
    `rnn_layers` layer loads into Keras'.

    Args:
        units: positive int, dimensionality of the output space.
        use_cudnn: only in subclasses with `takes_use_cudnn = True` (`LSTM`,
            `GRU`, whose Keras counterparts take it): one of `"auto"`,
            `True`, `False`, accepted so that Keras configs load and stored
            as `use_cudnn`; the fused loop never emits cuDNN ops, so
            exported graphs run on any device. Written to `get_config()`
            only when it is not `"auto"`, as Keras never writes it. Defaults
            to `"auto"`.
        **kwargs: the cell's arguments (see the cell class) and `RNN`'s.

    Raises:
        ValueError: for an invalid `use_cudnn`, or any argument neither the
            cell nor `RNN` takes.
    """

    cell_class = None
    # Whether the layer takes Keras' `use_cudnn` (Keras' LSTM and GRU do).
    takes_use_cudnn = False
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

    def __init__(self, units, **kwargs):
        use_cudnn = "auto"
        if self.takes_use_cudnn:
            use_cudnn = kwargs.pop("use_cudnn", "auto")
            if use_cudnn not in ("auto", True, False):
                raise ValueError(
                    f"Received `use_cudnn={use_cudnn!r}`; expected one of "
                    "'auto', True, False."
                )
        cell_arguments = _cell_arguments(self.cell_class)
        cell_kwargs = {
            key: kwargs.pop(key) for key in list(kwargs)
            if key in cell_arguments
        }
        for key in _SHARED_ARGS:
            if key in kwargs:
                cell_kwargs[key] = kwargs[key]
        cell_name = f"{self.cell_class.__name__[:-4].lower()}_cell"
        cell = self.cell_class(units, name=cell_name, **cell_kwargs)
        if isinstance(kwargs.get("activity_regularizer"), str):
            kwargs["activity_regularizer"] = regularizers.get(
                kwargs["activity_regularizer"]
            )
        super().__init__(cell, **kwargs)
        if self.takes_use_cudnn:
            self.use_cudnn = use_cudnn

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in _CELL_BASE_KEYS:
            cell_config.pop(key, None)
        config.update(cell_config)
        if self.takes_use_cudnn and self.use_cudnn != "auto":
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
