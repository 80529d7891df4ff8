import numpy as np
import pytest

from rnn_layers.heads.losses import masked_sequence_loss
from tests.test_case import assert_close


def _data():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 4, 5)).astype("float32")
    labels = rng.integers(0, 5, size=(3, 4))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], "float32")
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    crossent = -np.take_along_axis(logp, labels[..., None], -1)[..., 0] * mask
    return labels, logits, mask, crossent


@pytest.mark.parametrize(
    "kwargs,reference",
    [
        ({}, lambda c, m: c.sum() / m.sum()),
        ({"average_across_batch": False}, lambda c, m: c.sum(1) / m.sum(1)),
        ({"average_across_timesteps": False},
         lambda c, m: c.sum(0) / m.sum(0)),
        ({"average_across_timesteps": False, "average_across_batch": False},
         lambda c, m: c),
        ({"average_across_timesteps": False, "average_across_batch": False,
          "sum_over_timesteps": True, "sum_over_batch": True},
         lambda c, m: c.sum() / (m != 0).sum()),
        ({"average_across_timesteps": False, "average_across_batch": False,
          "sum_over_timesteps": True},
         lambda c, m: c.sum(1) / (m != 0).sum(1)),
    ],
)
def test_reductions_match_numpy(kwargs, reference):
    labels, logits, mask, crossent = _data()
    assert_close(masked_sequence_loss(labels, logits, mask, **kwargs),
                 reference(crossent, mask), atol=1e-5)


def test_no_mask_and_probabilities():
    labels, logits, _, _ = _data()
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    assert_close(masked_sequence_loss(labels, probs, from_logits=False),
                 masked_sequence_loss(labels, logits), atol=1e-5)


def test_conflicting_reductions_raise():
    labels, logits, mask, _ = _data()
    with pytest.raises(ValueError, match="sum_over_timesteps=True"):
        masked_sequence_loss(labels, logits, mask, sum_over_timesteps=True)
