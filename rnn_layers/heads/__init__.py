"""Output heads and losses: mixture density (and its loss), CRF, CTC, masked
sequence loss."""

from rnn_layers.heads.crf import CRF
from rnn_layers.heads.ctc import ctc_decode
from rnn_layers.heads.ctc import ctc_loss
from rnn_layers.heads.losses import masked_sequence_loss
from rnn_layers.heads.losses import replica_count
from rnn_layers.heads.losses import sum_over_replicas
from rnn_layers.heads.mixture_density import MixtureDensity
from rnn_layers.heads.mixture_density_loss import MixtureDensityLoss

__all__ = [
    "CRF",
    "MixtureDensity",
    "MixtureDensityLoss",
    "ctc_decode",
    "ctc_loss",
    "masked_sequence_loss",
    "replica_count",
    "sum_over_replicas",
]
