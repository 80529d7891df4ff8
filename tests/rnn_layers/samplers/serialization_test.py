import pytest

from rnn_layers import samplers


@pytest.mark.parametrize(
    "name,cls",
    [("greedy", samplers.GreedySampler), ("random", samplers.RandomSampler),
     ("temperature", samplers.RandomSampler),
     ("top_k", samplers.TopKSampler), ("top_p", samplers.TopPSampler),
     ("beam", samplers.BeamSampler)],
)
def test_short_names_resolve(name, cls):
    assert type(samplers.get(name)) is cls


def test_serialize_round_trip_and_instances_pass_through():
    sampler = samplers.TopPSampler(p=0.7, k=4, temperature=0.8, seed=3)
    config = samplers.serialize(sampler)
    clone = samplers.get(config)
    assert type(clone) is samplers.TopPSampler
    assert clone.get_config() == sampler.get_config()
    assert samplers.get(sampler) is sampler


def test_unknown_name():
    with pytest.raises(ValueError, match="'nucleus'"):
        samplers.get("nucleus")
