"""`anbu evaluate`: a believable simulated district with planted incidents, replayed through
`anbu backtest` once per detection policy, scored against the ground truth it was made
from."""
