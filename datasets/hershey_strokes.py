"""Embedded handwriting: text rendered to pen strokes with Hershey fonts.

The default data of `apps/handwriting`, needing no network and no
`../shared`: lines of English words (drawn from the help topics that ship
with Python, `pydoc_data.topics`) written in a Hershey vector font (A. V.
Hershey, "Calligraphy for Computers", 1967; the `hershey-fonts` package) as
stroke-3 points (see `datasets/strokes.py`), with per-line slant and scale,
per-letter spacing and baseline wobble, and jitter on every point, so that
no two renderings of a line are the same.

Connected script fonts (`"scripts"`, `"cursive"`) end each letter where the
next begins; those strokes are joined, so a word is written in one pen-down
stroke as in real cursive handwriting. Units: Hershey font units (a line of
the default font is about `LINE_HEIGHT` of them from cap line to bottom
line); the baseline is `y = 0` and `y` grows downward.

All randomness comes from an `np.random.Generator` argument.
"""

import dataclasses
import functools
import re

import numpy as np

from datasets import strokes as stroke_format

FONTS = ("scripts", "cursive", "futural", "scriptc", "timesr")
DEFAULT_FONT = "scripts"
# Font units from cap line to bottom line, about (33 in "scripts").
LINE_HEIGHT = 32.0
# Words of the text source: letters or digits, optionally ending in , or .
_WORD = re.compile(r"\b[A-Za-z][a-z]*[,.]?(?=\s)")
# A stroke starting this close (font units) to where the previous one
# ended continues it: the pen slides over instead of lifting.
_JOIN_DISTANCE = 3.5


@dataclasses.dataclass(frozen=True)
class Style:
    """How a line is written; drawn per line by `sample_style`.

    Args:
        font: str, one of `FONTS`. Defaults to `DEFAULT_FONT`.
        slant: float, shear of the letters (x shifts by `slant` per unit of
            height above the baseline; positive leans right).
            Defaults to `0.0`.
        scale: float, size relative to the font's own. Defaults to `1.0`.
        spacing: float, relative std of each letter's advance.
            Defaults to `0.0`.
        wobble: float, std of each letter's baseline shift, in line heights.
            Defaults to `0.0`.
        jitter: float, std of the noise on every point, in line heights.
            Defaults to `0.0`.
    """

    font: str = DEFAULT_FONT
    slant: float = 0.0
    scale: float = 1.0
    spacing: float = 0.0
    wobble: float = 0.0
    jitter: float = 0.0

    def __post_init__(self):
        if self.font not in FONTS:
            raise ValueError(
                f"Received `font={self.font!r}`; expected one of {FONTS}."
            )
        if not self.scale > 0:
            raise ValueError(
                f"Received `scale={self.scale!r}`; expected a positive float."
            )
        for name in ("spacing", "wobble", "jitter"):
            if not getattr(self, name) >= 0:
                raise ValueError(
                    f"Received `{name}={getattr(self, name)!r}`; expected a "
                    "non-negative float."
                )


def sample_style(
    rng: np.random.Generator, fonts: tuple[str, ...] = (DEFAULT_FONT,),
    max_slant: float = 0.35, jitter: float = 0.004,
) -> Style:
    """Draws a random `Style`: font, slant, scale and noise levels.

    Args:
        rng: `np.random.Generator`, the only source of randomness.
        fonts: tuple of font names to pick from. Defaults to
            `(DEFAULT_FONT,)`.
        max_slant: float, slant is uniform in `[-max_slant / 3, max_slant]`
            (handwriting leans right more often). Defaults to `0.35`.
        jitter: float, point noise in line heights. Defaults to `0.004`.

    Returns:
        A `Style`.
    """
    return Style(
        font=str(fonts[rng.integers(len(fonts))]),
        slant=float(rng.uniform(-max_slant / 3, max_slant)),
        scale=float(rng.uniform(0.85, 1.15)),
        spacing=0.05,
        wobble=0.015,
        jitter=jitter,
    )


@functools.lru_cache(maxsize=None)
def _font(name: str):
    """The glyphs of a font, loaded once (read-only afterwards)."""
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(name)
    return font.all_glyphs, float(font.render_options.base_line)


def alphabet(font: str = DEFAULT_FONT) -> str:
    """The characters `font` can write, space first, in code-point order."""
    glyphs, _ = _font(font)
    return "".join(sorted(glyphs))


def _glyph_polylines(glyph, x: float, scale: float, base_line: float):
    return [
        np.array(
            [(x + (px - glyph.left_offset) * scale, (py - base_line) * scale)
             for px, py in stroke],
            dtype=np.float64,
        )
        for stroke in glyph.strokes
    ]


def _join(polylines, shifts):
    """Joins each polyline to the previous one when they meet end to start.

    The test is made on the noiseless `polylines`, so the noise never
    changes which strokes join; each point then moves by its letter's shift.
    """
    joined, previous = [], None
    for line, shift in zip(polylines, shifts):
        moved = line + shift
        if joined and np.abs(previous[-1] - line[0]).max() <= _JOIN_DISTANCE:
            joined[-1] = np.concatenate([joined[-1], moved[1:]])
        else:
            joined.append(moved)
        previous = line
    return joined


def render_polylines(
    text: str, style: Style = Style(), rng: np.random.Generator | None = None
) -> list[np.ndarray]:
    """Writes `text` in `style` as polylines of absolute points.

    Args:
        text: str of characters from `alphabet(style.font)`.
        style: `Style`. Defaults to the plain default font.
        rng: `np.random.Generator` for the per-letter and per-point noise;
            `None` writes without noise. Defaults to `None`.

    Returns:
        list of `(n, 2)` float arrays in font units, baseline at `y = 0`,
        `y` downward.

    Raises:
        ValueError: if a character has no glyph in the font.
    """
    glyphs, base_line = _font(style.font)
    missing = sorted({c for c in text if c not in glyphs})
    if missing:
        raise ValueError(
            f"Received text with {''.join(missing)!r}, which font "
            f"{style.font!r} cannot write; expected characters of "
            f"`alphabet({style.font!r})`."
        )
    noisy = rng is not None
    polylines, shifts, x, drift = [], [], 0.0, 0.0
    for char in text:
        glyph = glyphs[char]
        lines = _glyph_polylines(glyph, x, style.scale, base_line)
        shift = np.zeros(2)
        if noisy:
            shift[1] = rng.normal(0.0, style.wobble) * LINE_HEIGHT
            drift += rng.normal(0.0, style.spacing) * glyph.char_width
            shift[0] = drift * style.scale
        polylines.extend(lines)
        shifts.extend([shift] * len(lines))
        x += glyph.char_width * style.scale
    result = []
    for line in _join(polylines, shifts):
        line[:, 0] -= style.slant * line[:, 1]  # y < 0 above the baseline
        if noisy and style.jitter:
            line += rng.normal(0.0, style.jitter * LINE_HEIGHT, line.shape)
        result.append(line)
    return result


def render_line(
    text: str, style: Style = Style(), rng: np.random.Generator | None = None
) -> np.ndarray:
    """Writes `text` as stroke-3 points (see `datasets/strokes.py`).

    The first point is the offset from the line's start `(0, 0)` on the
    baseline.

    Args:
        text: str of characters from `alphabet(style.font)`.
        style: `Style`. Defaults to the plain default font.
        rng: `np.random.Generator` for the noise, or `None` for none.
            Defaults to `None`.

    Returns:
        float32 `(T, 3)` stroke-3 array (`T = 0` for blank text).

    Example:

    >>> strokes = render_line("hello", Style(), np.random.default_rng(0))
    >>> strokes.shape[1], strokes.dtype
    (3, dtype('float32'))
    """
    polylines = render_polylines(text, style, rng)
    return stroke_format.polylines_to_strokes(polylines).astype(np.float32)


@functools.lru_cache(maxsize=1)
def source_words() -> tuple[str, ...]:
    """English words of Python's help topics, in order (about 60,000)."""
    from pydoc_data import topics

    text = " ".join(topics.topics[key] for key in sorted(topics.topics))
    return tuple(_WORD.findall(text))


def sample_text(
    rng: np.random.Generator, min_chars: int = 4, max_chars: int = 16
) -> str:
    """A run of consecutive `source_words()`, `min_chars..max_chars` long.

    Words are taken from a random position until the next would pass
    `max_chars`; a first word longer than `max_chars` is cut.

    Args:
        rng: `np.random.Generator`.
        min_chars: int, the fewest characters wanted. Defaults to `4`.
        max_chars: int, the most characters. Defaults to `16`.

    Returns:
        str.
    """
    if not 1 <= min_chars <= max_chars:
        raise ValueError(
            f"Received `min_chars={min_chars}`, `max_chars={max_chars}`; "
            "expected 1 <= min_chars <= max_chars."
        )
    words = source_words()
    limit = int(rng.integers(min_chars, max_chars + 1))
    start = int(rng.integers(len(words)))
    line = words[start][:limit]
    for word in words[start + 1:]:
        if len(line) + 1 + len(word) > limit:
            break
        line += " " + word
    return line


def sample_lines(
    rng: np.random.Generator, count: int, fonts: tuple[str, ...] = (
        DEFAULT_FONT,), min_chars: int = 4, max_chars: int = 16,
) -> tuple[list[np.ndarray], list[str]]:
    """Draws `count` texts and writes each in a random style.

    Args:
        rng: `np.random.Generator`, the only source of randomness.
        count: int, lines to draw.
        fonts: tuple of font names styles pick from. Defaults to
            `(DEFAULT_FONT,)`.
        min_chars: int, shortest text. Defaults to `4`.
        max_chars: int, longest text. Defaults to `16`.

    Returns:
        `(strokes, texts)`: lists of float32 stroke-3 arrays and their
        texts.

    Example:

    >>> strokes, texts = sample_lines(np.random.default_rng(0), 2)
    >>> len(strokes), all(s.shape[1] == 3 for s in strokes)
    (2, True)
    """
    strokes, texts = [], []
    for _ in range(count):
        text = sample_text(rng, min_chars, max_chars)
        strokes.append(render_line(text, sample_style(rng, fonts), rng))
        texts.append(text)
    return strokes, texts
