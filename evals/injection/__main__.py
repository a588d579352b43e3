"""``python -m evals.injection [--heldout]``: the detector's recall and false positives, as
Markdown; ``--heldout`` reads the attacks written after the detector was tuned."""

import sys

from evals.injection import ATTACKS, HELDOUT, measure

print(measure(attacks=HELDOUT if "--heldout" in sys.argv[1:] else ATTACKS).table())
