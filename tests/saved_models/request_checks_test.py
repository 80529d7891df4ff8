"""The request bounds every exported signature checks first."""

import pytest

from saved_models import request_checks

tf = pytest.importorskip("tensorflow")


def test_at_most_per_request_passes_a_full_batch_and_refuses_one_more():
    check = tf.function(lambda items: request_checks.at_most_per_request(
        items, 3, "prompts"))
    assert check(tf.constant(["a", "b", "c"])).numpy().tolist() == [
        b"a", b"b", b"c"]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="a request holds at most 3 prompts; split it "
                             "into several requests"):
        check(tf.constant(["a"] * 4))


@pytest.mark.parametrize("ids", [[0, 5], [-1, 0]])
def test_id_range_checks_name_the_input_and_the_range(ids):
    @tf.function
    def checked(ids):
        with tf.control_dependencies(
                request_checks.id_range_checks(ids, 5, "tokens")):
            return tf.identity(ids)

    assert checked(tf.constant([0, 4])).numpy().tolist() == [0, 4]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"`tokens` ids must be in \[0, 5\)"):
        checked(tf.constant(ids))
