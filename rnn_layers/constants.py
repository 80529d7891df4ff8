"""Numeric constants shared by the whole library."""

# The score of an impossible choice: a forbidden token's logit, a masked
# memory position's attention score. Finite, so sums of log-probabilities
# stay finite and a row with every choice forbidden gives no NaN; far enough
# below any real logit that `exp(NEG_INF - max)` is exactly 0 in float32.
NEG_INF = -1e9
