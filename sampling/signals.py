"""Events the sampling stage emits; later stages (reporting) subscribe to them.

sampling never imports reporting: it only sends.
"""

from django.dispatch import Signal

# Sent after the transaction that generated (or regenerated) a draft plan commits.
# Arguments: plan (sampling.models.SamplePlan), user (who generated it, or None).
plan_generated = Signal()
