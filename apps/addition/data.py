"""Addition problems as digit sequences: the seed notes' "learning to carry".

Data format (used by every file of this app and by the exported SavedModel):

- A problem is two non-negative integers `a` and `b` written `"a+b"`
  (e.g. `"123+456"`); its answer is the decimal sum without leading zeros
  (`"579"`).
- The network reads the two numbers digit by digit from the least significant
  end, one timestep per column, exactly as the seed notes draw the unrolled
  "three-digit adder" (x^1 = the units digits, y^1 = the units digit of the
  sum). With `num_steps = max_digits + 1` timesteps (one extra for the final
  carry):
    * `inputs`: int32 `(batch, num_steps, 2)`, `inputs[i, t] = (digit t of a,
      digit t of b)`, zero-padded beyond each number's length;
    * `targets`: int32 `(batch, num_steps)`, `targets[i, t] = digit t of a + b`.
  So `"123+456"` with `num_steps=4` reads `(3,6), (2,5), (1,4), (0,0)` and
  writes `9, 7, 5, 0`. Because every column is the same operation plus a
  carry, a model trained on 3-digit numbers can be run on longer ones.
- Held-out pairs: a fixed ~5% of all `(a, b)` pairs (chosen by a hash, see
  `is_held_out`) never appear in training, so exact-match accuracy on them
  measures generalisation rather than memorisation.

Operands are int64 arrays, so numbers have at most `MAX_INT64_DIGITS` digits
here; the exported model accepts longer numbers because it tokenizes strings.
"""

import numpy as np

# Longest operand the numpy helpers handle: a + b must fit in int64.
MAX_INT64_DIGITS = 17
# One pair in `HELD_OUT_MODULUS` is held out of training.
HELD_OUT_MODULUS = 20


def _check_digits(name: str, value: int, low: int = 1) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"Received `{name}={value!r}`; expected an integer.")
    if not low <= value <= MAX_INT64_DIGITS:
        raise ValueError(
            f"Received `{name}={value}`; expected an integer between {low} "
            f"and {MAX_INT64_DIGITS} (numbers must fit in int64)."
        )


def num_steps_for(max_digits: int) -> int:
    """Returns the number of timesteps needed for operands of `max_digits`.

    Args:
        max_digits: int, the most digits an operand has.

    Returns:
        `max_digits + 1`: one column per digit plus one for the final carry.
    """
    _check_digits("max_digits", max_digits)
    return max_digits + 1


def is_held_out(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Tells which `(a, b)` pairs belong to the held-out evaluation set.

    A pair is held out when a 64-bit mix (the splitmix64 finalizer) of
    `a * 1_000_003 + b` is divisible by `HELD_OUT_MODULUS`, which spreads the
    held-out pairs evenly over all digits and carry patterns.

    Args:
        a: int array, first operands.
        b: int array of the same shape, second operands.

    Returns:
        bool array of the same shape.
    """
    x = np.asarray(a, dtype=np.uint64) * np.uint64(1_000_003)
    x = x + np.asarray(b, dtype=np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return x % np.uint64(HELD_OUT_MODULUS) == 0


def _sample_numbers(
    rng: np.random.Generator, count: int, min_digits: int, max_digits: int
) -> np.ndarray:
    """Draws numbers whose digit count is uniform in [min_digits, max_digits]."""
    lengths = rng.integers(min_digits, max_digits + 1, size=count)
    low = np.where(lengths == 1, 0, 10 ** (lengths - 1))
    high = 10**lengths
    return rng.integers(low, high)  # (count,) int64


def sample_operands(
    rng: np.random.Generator,
    num_examples: int,
    max_digits: int,
    min_digits: int = 1,
    held_out: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Draws operand pairs, each operand's length uniform over the range.

    Drawing the length first (rather than the value) keeps short numbers and
    the padding columns they create common in training.

    Args:
        rng: `np.random.Generator`, the only source of randomness.
        num_examples: int, how many pairs to draw.
        max_digits: int, the most digits an operand may have.
        min_digits: int, the fewest digits an operand may have.
            Defaults to `1`.
        held_out: bool, `False` draws only training pairs, `True` only
            held-out pairs (see `is_held_out`). Defaults to `False`.

    Returns:
        `(a, b)`, two int64 arrays of shape `(num_examples,)`.

    Raises:
        ValueError: if a count or digit range is out of bounds.

    Example:

    >>> a, b = sample_operands(np.random.default_rng(0), 4, max_digits=3)
    >>> a.shape, bool((a < 1000).all())
    ((4,), True)
    """
    if num_examples < 0:
        raise ValueError(
            f"Received `num_examples={num_examples}`; expected >= 0."
        )
    _check_digits("max_digits", max_digits)
    _check_digits("min_digits", min_digits)
    if min_digits > max_digits:
        raise ValueError(
            f"Received `min_digits={min_digits}` > `max_digits={max_digits}`;"
            " expected min_digits <= max_digits."
        )
    a_parts, b_parts, have = [], [], 0
    while have < num_examples:
        # Oversample so one round nearly always suffices.
        count = 2 * (num_examples - have) + 16
        if held_out:
            count *= HELD_OUT_MODULUS
        a = _sample_numbers(rng, count, min_digits, max_digits)
        b = _sample_numbers(rng, count, min_digits, max_digits)
        keep = is_held_out(a, b) == held_out
        a_parts.append(a[keep])
        b_parts.append(b[keep])
        have += int(keep.sum())
    a = np.concatenate(a_parts)[:num_examples]
    b = np.concatenate(b_parts)[:num_examples]
    return a, b


def to_digits(numbers: np.ndarray, num_steps: int) -> np.ndarray:
    """Writes numbers as digit columns, least significant first.

    Args:
        numbers: int array `(batch,)` of non-negative numbers.
        num_steps: int, number of columns; higher digits are dropped.

    Returns:
        int32 array `(batch, num_steps)`.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    powers = 10 ** np.arange(num_steps, dtype=np.int64)  # (num_steps,)
    return ((numbers[:, None] // powers[None, :]) % 10).astype(np.int32)


def encode(
    a: np.ndarray, b: np.ndarray, num_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Turns operand pairs into model inputs and targets.

    Args:
        a: int array `(batch,)`, first operands.
        b: int array `(batch,)`, second operands.
        num_steps: int, timesteps; must exceed the digits of every sum's
            operands (see `num_steps_for`).

    Returns:
        `(inputs, targets)`: int32 arrays `(batch, num_steps, 2)` and
        `(batch, num_steps)`, laid out as the module docstring describes.

    Raises:
        ValueError: if a number does not fit in `num_steps` columns.

    Example:

    >>> inputs, targets = encode(np.array([123]), np.array([456]), 4)
    >>> inputs[0].tolist(), targets[0].tolist()
    ([[3, 6], [2, 5], [1, 4], [0, 0]], [9, 7, 5, 0])
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    total = a + b
    if total.size and (
        min(a.min(), b.min()) < 0 or total.max() >= 10**num_steps
    ):
        raise ValueError(
            f"Received operands up to {max(a.max(), b.max())} with "
            f"`num_steps={num_steps}`; expected non-negative numbers whose "
            f"sum has at most {num_steps} digits. Raise `num_steps`."
        )
    inputs = np.stack(
        [to_digits(a, num_steps), to_digits(b, num_steps)], axis=-1
    )  # (batch, num_steps, 2)
    return inputs, to_digits(total, num_steps)


def decode(digits: np.ndarray) -> list[str]:
    """Turns digit columns (least significant first) back into numbers.

    Args:
        digits: int array `(batch, num_steps)`.

    Returns:
        list of `batch` decimal strings without leading zeros.

    Example:

    >>> decode(np.array([[9, 7, 5, 0]]))
    ['579']
    """
    digits = np.asarray(digits)
    return [
        "".join(str(int(d)) for d in row[::-1]).lstrip("0") or "0"
        for row in digits
    ]


def format_problems(a: np.ndarray, b: np.ndarray) -> list[str]:
    """Writes operand pairs as request strings such as `"123+456"`."""
    return [f"{int(x)}+{int(y)}" for x, y in zip(a, b)]


def parse_problem(text: str) -> tuple[int, int]:
    """Parses `"123+456"` (spaces allowed around the numbers) into `(123, 456)`.

    Args:
        text: str, two non-negative integers joined by `+`.

    Returns:
        `(a, b)` as Python ints.

    Raises:
        ValueError: if `text` is not of that form or a number has more than
            `MAX_INT64_DIGITS` digits.
    """
    parts = text.split("+")
    if len(parts) != 2 or not all(
        p.strip().isascii() and p.strip().isdigit() for p in parts
    ):
        raise ValueError(
            f"Received problem {text!r}; expected two non-negative integers "
            "joined by '+', such as '123+456'."
        )
    a, b = (p.strip() for p in parts)
    if max(len(a), len(b)) > MAX_INT64_DIGITS:
        raise ValueError(
            f"Received problem {text!r}; numbers may have at most "
            f"{MAX_INT64_DIGITS} digits here (the SavedModel takes longer)."
        )
    return int(a), int(b)
