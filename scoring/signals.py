"""Events the scoring stage emits; later stages (followup) subscribe to them.

scoring never imports followup: it only sends.
"""

from django.dispatch import Signal

# Sent once each time a shop becomes final, and again after a correction or a
# dispute changes a finalized shop. Arguments: shop (scoring.models.Shop).
# Receivers must be idempotent: the same shop can arrive more than once.
shop_finalized = Signal()

# Asked when a member who is neither the shopper nor a reader by role opens a
# shop: a receiver answers True to let `user` read `shop` (and its evidence)
# for now, e.g. a rater of a calibration session that scores it (followup).
# Arguments: user, shop. Any True answer grants read access; nothing else does.
shop_read_asked = Signal()
