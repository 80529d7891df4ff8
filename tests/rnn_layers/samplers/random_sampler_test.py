import keras
import numpy as np

from rnn_layers.samplers import RandomSampler
from tests.rnn_layers.samplers.fake_models import bigram_next
from tests.rnn_layers.samplers.fake_models import step_counter

PROBS = np.array([0.1, 0.6, 0.3])


def test_frequencies_follow_the_tempered_distribution():
    batch, length, temperature = 400, 11, 2.0
    prompt = np.zeros((batch, length), "int32")
    tokens = keras.ops.convert_to_numpy(RandomSampler(
        temperature=temperature, seed=11)(
            bigram_next(np.tile(PROBS, (3, 1))), prompt,
            step_counter(batch)))[:, 1:]
    tempered = PROBS ** (1 / temperature)
    tempered /= tempered.sum()
    frequencies = np.bincount(tokens.ravel(), minlength=3) / tokens.size
    np.testing.assert_allclose(frequencies, tempered, atol=0.02)
