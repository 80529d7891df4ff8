import keras
import numpy as np
import pytest

from rnn_layers.samplers import RandomSampler
from tests.rnn_layers.samplers.fake_models import TinyDecoder
from tests.rnn_layers.samplers.fake_models import bigram_next
from tests.rnn_layers.samplers.fake_models import step_counter
from tests.rnn_layers.samplers.sampling_reference import filtered_distribution
from tests.rnn_layers.samplers.sampling_reference import tempered

PROBS = np.array([0.05, 0.3, 0.02, 0.25, 0.08, 0.2, 0.1])
TABLE = np.tile(PROBS, (7, 1))  # every step draws from PROBS


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _draws(sampler, rows=3000, length=3, **kwargs):
    """`rows * (length - 1)` draws, one seed per row."""
    prompt = np.zeros((rows, length), "int32")
    seeds = np.arange(rows, dtype="int32") * 7 + 1
    return _numpy(sampler(bigram_next(TABLE), prompt, step_counter(rows),
                          seed=seeds, **kwargs))[:, 1:]


@pytest.mark.parametrize(
    "temperature,top_k,top_p",
    [(1.0, 0, 1.0), (2.0, 0, 1.0), (0.7, 3, 1.0), (1.0, 0, 0.6),
     (1.5, 4, 0.7)],
)
def test_frequencies_match_the_filtered_distribution(temperature, top_k,
                                                     top_p):
    sampler = RandomSampler(temperature=temperature, top_k=top_k,
                            top_p=top_p)
    tokens = _draws(sampler)
    expected = filtered_distribution(tempered(PROBS, temperature), top_k,
                                     top_p)
    frequencies = np.bincount(tokens.ravel(), minlength=7) / tokens.size
    # 6000 draws: one standard error is at most 0.0065.
    np.testing.assert_allclose(frequencies, expected, atol=0.025)
    assert set(np.unique(tokens)) == set(np.flatnonzero(expected))


def test_call_arguments_override_the_constructor_as_tensors():
    constructed = _draws(RandomSampler(temperature=0.5, top_k=3, top_p=0.9),
                         rows=50, length=6)
    called = _draws(RandomSampler(), rows=50, length=6,
                    temperature=keras.ops.convert_to_tensor(0.5),
                    top_k=keras.ops.convert_to_tensor(3),
                    top_p=keras.ops.convert_to_tensor(0.9))
    assert called.tolist() == constructed.tolist()


def test_a_row_never_depends_on_its_batch():
    decoder = TinyDecoder()
    sampler = RandomSampler(temperature=1.5, top_p=0.95)
    prompt = [1, 4, 2]  # rows 0 and 3, then alone
    batch = np.zeros((4, 10), "int32")
    batch[0, :3] = batch[3, :3] = prompt
    batch[1, :5] = [1, 5, 5, 6, 3]
    batch[2, :1] = [2]
    alone = np.zeros((1, 8), "int32")
    alone[0, :3] = prompt

    def generate(buffer):
        return _numpy(sampler(decoder.next, buffer, decoder.initial_cache(
            buffer.shape[0]), mask=buffer > 0, seed=11))

    together, single = generate(batch), generate(alone)
    assert together[0].tolist() == together[3].tolist()
    assert together[3, :8].tolist() == single[0].tolist()
    assert len(set(single[0, 3:].tolist())) > 1  # it did sample


def test_different_prompts_with_one_seed_draw_unrelated_noise():
    """One request seed, many prompts: their draws must not be correlated."""
    rows, length = 400, 6
    prompt = np.zeros((rows, length), "int32")
    prompt[:, 1] = np.arange(rows) % 7  # 7 different one-token prompts
    mask = np.zeros((rows, length), bool)
    mask[:, :2] = True
    tokens = _numpy(RandomSampler()(
        bigram_next(TABLE), prompt, step_counter(rows), mask=mask,
        seed=3))[:, 2:]
    by_prompt = [tokens[np.arange(rows) % 7 == k] for k in range(7)]
    for group in by_prompt:  # equal prompts: equal draws
        assert (group == group[0]).all()
    firsts = [group[0].tolist() for group in by_prompt]
    assert len({tuple(f) for f in firsts}) == 7  # unrelated across prompts


def test_seeds_shared_per_row_and_fresh():
    sampler = RandomSampler()
    prompt = np.zeros((3, 12), "int32")

    def run(seed):
        return _numpy(sampler(bigram_next(TABLE), prompt, step_counter(3),
                              seed=seed))

    shared = run(5)
    assert shared[0].tolist() == shared[1].tolist() == shared[2].tolist()
    assert run(np.array([5, 5, 5], "int32")).tolist() == shared.tolist()
    per_row = run(np.array([5, 6, 7], "int32"))
    assert per_row[0].tolist() == shared[0].tolist()
    assert per_row[1].tolist() != per_row[0].tolist()
    assert run(None).tolist() != run(None).tolist()  # a fresh seed per call
    with pytest.raises(ValueError, match=r"shape \(3, 1\)"):
        run(np.zeros((3, 1), "int32"))


def test_config_and_errors():
    sampler = RandomSampler(temperature=0.5, top_k=3, top_p=0.8, seed=2,
                            no_repeat_ngram_size=2)
    assert RandomSampler.from_config(sampler.get_config()).get_config() == (
        sampler.get_config())
    with pytest.raises(ValueError, match="top_k=2.5"):
        RandomSampler(top_k=2.5)
    with pytest.raises(ValueError, match="top_p=0"):
        RandomSampler(top_p=0)
    with pytest.raises(ValueError, match="temperature=0"):
        RandomSampler(temperature=0)
