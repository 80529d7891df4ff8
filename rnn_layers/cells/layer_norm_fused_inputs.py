"""The fused-loop hooks the layer-normalized cells share."""

from rnn_layers.fused.activation_grads import unsupported_activations
from rnn_layers.fused.sequence_io import normalized_projection


class LayerNormFusedInputs:
    """`fused_support` and `fused_projection` of a layer-normalized cell.

    Mixed into `LayerNormLSTMCell` and `LayerNormGRUCell` (before
    `RecurrentCell`): both normalize their input term `LN_x(x_t W) + b`,
    which depends on no state, so it runs over all timesteps at once
    (`normalized_projection`), and both have a fused loop for the
    activations whose derivatives the backward pass knows.
    """

    def fused_support(self):
        return unsupported_activations(
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
        )

    def fused_projection(self, sequences, input_mask, go_backwards):
        return normalized_projection(
            sequences,
            self.kernel,
            (self.kernel_norm_gamma, self.kernel_norm_beta),
            self.bias if self.use_bias else None,
            self.norm_epsilon,
            input_mask,
            go_backwards,
        )
