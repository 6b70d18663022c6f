"""Events the scoring stage emits; later stages (followup) subscribe to them.

scoring never imports followup: it only sends.
"""

from django.dispatch import Signal

# Sent once each time a shop becomes final, and again after a correction or a
# dispute changes a finalized shop. Arguments: shop (scoring.models.Shop).
# Receivers must be idempotent: the same shop can arrive more than once.
shop_finalized = Signal()
