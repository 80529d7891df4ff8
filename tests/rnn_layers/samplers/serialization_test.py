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


def test_names_take_constructor_arguments():
    beam = samplers.get("beam", num_beams=3, length_penalty=0.6)
    assert (beam.num_beams, beam.length_penalty) == (3, 0.6)
    random = samplers.get("random", temperature=0.7, top_k=4, top_p=0.9)
    assert (random.temperature, random.top_k, random.top_p) == (0.7, 4, 0.9)
    assert samplers.get("TopKSampler", k=7).k == 7
    with pytest.raises(ValueError, match="only with a short name"):
        samplers.get(samplers.GreedySampler(), seed=1)


def test_unknown_name():
    with pytest.raises(ValueError, match="'nucleus'"):
        samplers.get("nucleus")
