"""Tang poem pass rates, acrostic (藏头诗) decoding and free sampling.

The regular-poem format (近体诗: quatrains and regulated verse of 5- or
7-character lines) is checked by `datasets.tang_poetry.check_poem`.

An acrostic poem puts one given character at the start of every line.
`acrostic_poem` forces those characters and the punctuation at their
positions (through the sampler's prompt `mask`) and forbids punctuation,
line breaks and reserved tokens everywhere else (through the logits), so
every poem it writes passes `check_poem` by construction.
"""

import numpy as np
from keras import ops

from apps.language_model.model import initial_states, make_step_fn
from apps.language_model.sampling import generate_ids
from datasets.tang_poetry import COMMA
from datasets.tang_poetry import LINE_COUNTS
from datasets.tang_poetry import LINE_LENGTHS
from datasets.tang_poetry import PUNCTUATION
from datasets.tang_poetry import STOPS
from datasets.tang_poetry import check_poem
from rnn_layers import NEG_INF, RandomSampler, ban_tokens, recurrent_next


def pass_rate(poems: list[str], **kwargs) -> float:
    """Share of poems with no `check_poem` problem."""
    if not poems:
        return 0.0
    return sum(not check_poem(p, **kwargs) for p in poems) / len(poems)


def acrostic_layout(heads: str, line_length: int, tokenizer):
    """The forced tokens of an acrostic poem.

    Returns:
        `(ids, forced)`: int32 and bool `(len(heads) * (line_length + 1),)`;
        `forced` marks the head characters and the punctuation.

    Raises:
        ValueError: for a bad line length, no heads, or a head character or
            punctuation mark missing from the vocabulary.
    """
    if line_length not in LINE_LENGTHS:
        raise ValueError(
            f"Received `line_length={line_length}`; expected 5 or 7.")
    if not heads:
        raise ValueError("Received `heads=''`; expected 1 or more characters.")
    missing = [c for c in heads + COMMA + STOPS[0] if c not in tokenizer.index]
    if missing:
        raise ValueError(
            f"Characters {missing} are not in the model's vocabulary; pick "
            "other head characters (or train on Tang poetry).")
    width = line_length + 1
    ids = np.zeros(len(heads) * width, "int32")
    forced = np.zeros(len(heads) * width, bool)
    for number, head in enumerate(heads):
        mark = COMMA if number % 2 == 0 else STOPS[0]
        ids[number * width] = tokenizer.index[head]
        ids[number * width + line_length] = tokenizer.index[mark]
        forced[[number * width, number * width + line_length]] = True
    return ids, forced


def banned_ids(tokenizer) -> np.ndarray:
    """Ids a poem line may not contain: punctuation, spaces, reserved."""
    return np.array(
        [i for i, t in enumerate(tokenizer.vocabulary)
         if i < 2 or len(t) != 1 or t in PUNCTUATION or not t.strip()],
        "int32")


def acrostic_poem(model, tokenizer, heads: str, line_length: int = 5,
                  temperature: float = 0.8, seed: int = 0,
                  sampler=None) -> str:
    """Writes a poem whose lines start with the characters of `heads`.

    Args:
        model: a char-level model trained on Tang poetry.
        tokenizer: its `Tokenizer`.
        heads: str, one character per line (4 for a quatrain).
        line_length: 5 or 7. Defaults to `5`.
        temperature: float. Defaults to `0.8`.
        seed: int. Defaults to `0`.
        sampler: optional `Sampler`; defaults to `RandomSampler`.

    Returns:
        str, the poem (passes `check_poem(poem, line_length, len(heads))`).
    """
    ids, forced = acrostic_layout(heads, line_length, tokenizer)
    buffer = np.concatenate([[tokenizer.start_id], ids])[None]  # (1, L)
    mask = np.concatenate([[True], forced])[None]
    step = ban_tokens(recurrent_next(make_step_fn(model)), banned_ids(tokenizer))
    sampler = sampler or RandomSampler(temperature=temperature)
    tokens = sampler(step, buffer.astype("int32"), initial_states(model, 1),
                     index=1, mask=mask, seed=seed)
    return tokenizer.decode(ops.convert_to_numpy(tokens)[0, 1:])


def end_after_lines(tokenizer, num_lines: int):
    """A sampler-step wrapper: the poem ends exactly after `num_lines` lines.

    The model writes every character and punctuation mark itself; only the
    end of the poem (the line break, `tokenizer.start_id`) is constrained:
    forbidden until `num_lines // 2` full stops (`STOPS`) have been written,
    then the only choice.

    Args:
        tokenizer: the model's char-level `Tokenizer`.
        num_lines: 4 (quatrain) or 8 (regulated verse).

    Returns:
        `wrap(step) -> step` for `sampling.generate_ids(constrain=...)`.
    """
    if num_lines not in LINE_COUNTS:
        raise ValueError(
            f"Received `num_lines={num_lines}`; expected one of {LINE_COUNTS}.")
    stop_ids = np.array(
        [tokenizer.index[c] for c in STOPS if c in tokenizer.index], "int32")
    is_end = np.arange(tokenizer.vocabulary_size) == tokenizer.start_id

    def wrap(step):
        def constrained(prompt, cache, index):
            logits, hidden, cache = step(prompt, cache, index)
            positions = ops.arange(ops.shape(prompt)[1], dtype="int32")[None]
            written = positions < index  # tokens already in the buffer
            stops = ops.any(
                ops.equal(prompt[..., None], stop_ids[None, None]), axis=-1)
            couplets = ops.sum(
                ops.cast(ops.logical_and(stops, written), "int32"), axis=1)
            finished = (couplets >= num_lines // 2)[:, None]  # (batch, 1)
            allowed = ops.where(finished, is_end[None], ~is_end[None])
            return ops.where(allowed, logits, NEG_INF), hidden, cache

        return constrained

    return wrap


def sample_poems(model, tokenizer, count: int, max_chars: int = 80,
                 sampler="top_p", seed: int = 0,
                 num_lines: int | None = None, **sampling) -> list[str]:
    """Samples `count` poems, each ending at its line break.

    Every row starts from the start token (a new line in the corpus, one
    poem per line) and stops at the next line break or after `max_chars`.

    Args:
        model: a char-level model trained on Tang poetry.
        tokenizer: its `Tokenizer`.
        count: int, poems to write.
        max_chars: int, most characters per poem. Defaults to `80`.
        sampler: a sampler name or `Sampler`. Defaults to `"top_p"`.
        seed: int; poem `i` draws with seed `seed + i`. Defaults to `0`.
        num_lines: `None` lets the model end each poem where it likes
            (free sampling); 4 or 8 ends it after that many lines
            (`end_after_lines`). Defaults to `None`.
        **sampling: `temperature`, `top_k`, `top_p` overriding the
            sampler's (see `sampling.generate_ids`).

    Returns:
        list of str poems without the line break; check them with
        `pass_rate`.
    """
    constrain = end_after_lines(tokenizer, num_lines) if num_lines else None
    prompts = np.zeros((count, 1), "int32")
    new_ids = generate_ids(
        model, prompts, np.zeros(count, "int32"), tokenizer.start_id,
        max_chars, sampler=sampler,
        # All poems share the empty prompt: one seed each keeps them apart.
        seed=np.arange(seed, seed + count, dtype="int32"),
        end_token_id=tokenizer.start_id, banned_ids=tokenizer.unsampled_ids,
        constrain=constrain, **sampling,
    )
    return [tokenizer.decode(row).split("\n")[0]
            for row in ops.convert_to_numpy(new_ids)]
