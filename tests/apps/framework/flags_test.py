"""Tests for apps/framework/flags.py: config dataclasses <-> flags."""

import argparse
import dataclasses

import pytest

from apps.framework import flags as config_flags


@dataclasses.dataclass(frozen=True)
class _Train:
    """How to train.

    Args:
        run_dir: str, folder for checkpoints. Defaults to `"runs/x"`.
        epochs: int, total epochs (a resumed run trains up to this).
            Defaults to `2`.
        learning_rate: float, Adam learning rate. Defaults
            to `0.5`.
        validation_examples: int, held-out examples
        seed: int, seeds everything. Defaults to `0`.
    """

    run_dir: str = "runs/x"
    epochs: int = 2
    learning_rate: float = 0.5
    validation_examples: int = 10
    seed: int = 0

    def __post_init__(self):
        config_flags.require_folder(self, "run_dir", "runs/x")
        config_flags.require_positive_integers(self, ("epochs",))
        config_flags.require_positive_numbers(self, "learning_rate")
        config_flags.require_non_negative(self, "validation_examples")


@dataclasses.dataclass(frozen=True)
class _Model:
    """Hyper-parameters.

    Args:
        vocabulary_size: int, token ids. Defaults to `7`.
        attention_units: int, attention size. Defaults to `2`.
        units: int, units per layer. Defaults to `4`.
        tie: bool, share the embedding. Defaults to `False`.
        cell: str, `"lstm"` or `"gru"`. Defaults to `"lstm"`.
    """

    vocabulary_size: int = 7
    attention_units: int = 2
    units: int = 4
    tie: bool = False
    cell: str = "lstm"


def _parser(**kwargs):
    parser = argparse.ArgumentParser(prog="train")
    config_flags.add_config_flags(parser, _Train, _Model, **kwargs)
    return parser


def test_field_help_reads_the_args_entry():
    assert config_flags.field_help(_Train, "epochs") == (
        "int, total epochs (a resumed run trains up to this)")
    # "Defaults to" split over two lines, and the last entry without one.
    assert config_flags.field_help(_Train, "learning_rate") == (
        "float, Adam learning rate")
    assert config_flags.field_help(_Train, "validation_examples") == (
        "int, held-out examples")
    # "units: " must not match inside "attention_units: ".
    assert config_flags.field_help(_Model, "units") == "int, units per layer"
    assert config_flags.field_help(_Model, "missing") == "missing"


def test_flags_have_types_defaults_and_help():
    parser = _parser()
    assert vars(parser.parse_args([])) == {
        **dataclasses.asdict(_Train()), **dataclasses.asdict(_Model())}
    args = parser.parse_args(["--epochs", "3", "--learning_rate", "1e-3",
                              "--cell", "gru", "--run_dir", "r"])
    assert (args.epochs, args.learning_rate, args.cell) == (3, 0.001, "gru")
    text = parser.format_help()
    assert "int, units per layer (default: 4)" in text
    assert "(default: runs/x)" in text


def test_hyphenated_spelling_is_the_same_flag():
    parser = config_flags.config_parser("prog", "test", _Train, _Model)
    args = parser.parse_args(["--validation-examples", "3"])
    assert args.validation_examples == 3
    assert parser.parse_args(["--validation_examples", "4"]).validation_examples == 4


def test_float_flag_with_integer_default_still_parses_floats():
    @dataclasses.dataclass(frozen=True)
    class Config:
        clipnorm: float = 5

    parser = argparse.ArgumentParser()
    config_flags.add_config_flags(parser, Config)
    assert parser.parse_args(["--clipnorm", "0.5"]).clipnorm == 0.5


@pytest.mark.parametrize("text, value", [
    ("1", True), ("true", True), ("YES", True),
    ("0", False), ("False", False), ("no", False)])
def test_bool_flags(text, value):
    assert _parser().parse_args(["--tie", text]).tie is value


def test_bool_flag_refuses_other_text(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["--tie", "maybe"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "argument --tie: Received 'maybe'; expected one of 1, true, yes" \
        in error


def test_skipped_fields_are_no_flags_and_keep_their_defaults():
    parser = _parser(skip=("vocabulary_size",))
    assert "--vocabulary_size" not in parser.format_help()
    with pytest.raises(SystemExit):
        parser.parse_args(["--vocabulary_size", "9"])
    args = vars(parser.parse_args([]))
    assert "vocabulary_size" not in args
    _, model = config_flags.configs_from_args(
        {**args, "vocabulary_size": 9}, _Train, _Model,
        skip=("vocabulary_size",))
    assert model.vocabulary_size == 7


def test_round_trip_args_to_configs():
    args = _parser().parse_args(["--epochs", "5", "--units", "8",
                                 "--tie", "yes", "--seed", "3"])
    train, model = config_flags.configs_from_args(args, _Train, _Model)
    assert train == _Train(epochs=5, seed=3)
    assert model == _Model(units=8, tie=True)
    # A dict works too, in any class order; unknown keys are ignored.
    model, train = config_flags.configs_from_args(
        {**vars(args), "other": 1}, _Model, _Train)
    assert (model.units, train.epochs) == (8, 5)


def test_field_without_default_is_a_required_flag():
    @dataclasses.dataclass(frozen=True)
    class Config:
        name: str

    parser = argparse.ArgumentParser()
    config_flags.add_config_flags(parser, Config)
    with pytest.raises(SystemExit):
        parser.parse_args([])
    (config,) = config_flags.configs_from_args(
        parser.parse_args(["--name", "a"]), Config)
    assert config == Config("a")


def test_non_dataclass_is_refused():
    with pytest.raises(TypeError, match="expected a dataclass"):
        config_flags.add_config_flags(argparse.ArgumentParser(), dict)


@pytest.mark.parametrize("overrides, message", [
    ({"run_dir": ""},
     "Received `run_dir=''`; expected a folder such as 'runs/x'."),
    ({"epochs": 0}, "Received `epochs=0`; expected a positive integer."),
    ({"learning_rate": 0.0},
     "Received `learning_rate=0.0`; expected a positive number."),
    ({"learning_rate": float("nan")},
     "Received `learning_rate=nan`; expected a positive number."),
    ({"validation_examples": -1},
     "Received `validation_examples=-1`; expected >= 0."),
])
def test_validation_error_messages(overrides, message):
    with pytest.raises(ValueError) as error:
        _Train(**overrides)
    assert str(error.value) == message


def test_validators_pass_valid_values_and_check_in_order():
    config = _Train(epochs=1, learning_rate=1e-9, validation_examples=0)
    config_flags.require_positive_integers(config, ["epochs"])
    config_flags.require_non_negative(config, ("validation_examples", "seed"))
    with pytest.raises(ValueError, match="`seed=0`"):
        config_flags.require_positive_integers(config, ("epochs", "seed"))


@dataclasses.dataclass(frozen=True)
class _Base:
    """A base config.

    Args:
        run_dir: str, the run. Defaults to `"runs/base"`.
        stateful: bool, carry states. Defaults to `False`.
    """

    run_dir: str = "runs/base"
    stateful: bool = False


@dataclasses.dataclass(frozen=True)
class _Derived(_Base):
    """A derived config.

    Args:
        digits: tuple of int, lengths to score. Defaults to `(3, 5)`.
        problems: tuple of str, the inputs. Defaults to `()`.
    """

    run_dir: str = "runs/derived"
    digits: tuple[int, ...] = (3, 5)
    problems: tuple[str, ...] = dataclasses.field(
        default=(), metadata={"positional": True})


def test_inherited_help_tuples_positionals_and_real_booleans():
    parser = config_flags.config_parser("derived", "", _Derived)
    text = parser.format_help()
    assert "str, the run (default: runs/derived)" in text
    assert "bool, carry states (default: False)" in text
    (config,) = config_flags.configs_from_args(
        parser.parse_args(["1+2", "3+4", "--digits", "4", "6", "--stateful",
                           "true"]), _Derived)
    assert config == _Derived(digits=(4, 6), problems=("1+2", "3+4"),
                              stateful=True)
    (config,) = config_flags.configs_from_args(parser.parse_args([]),
                                               _Derived)
    assert config == _Derived()
    with pytest.raises(SystemExit):
        parser.parse_args(["--digits", "x"])


def test_require_choice():
    config_flags.require_choice(_Base(), "run_dir", ("runs/base",))
    with pytest.raises(ValueError, match=r"Received `run_dir='runs/base'`; "
                       r"expected one of \('a', 'b'\)\."):
        config_flags.require_choice(_Base(), "run_dir", ("a", "b"))
