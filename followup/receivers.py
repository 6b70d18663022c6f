"""followup listens to scoring (scoring never imports followup).

Connected by ``connect()``, which ``FollowupConfig.ready`` calls once.
"""

from django.db.models.signals import post_save

from followup.services import calibration
from followup.services import defects as services
from scoring.models import Shop
from scoring.signals import shop_finalized


def on_shop_finalized(sender, shop, **kwargs):
    services.shop_follow_up(shop=shop)


def on_shop_saved(sender, instance: Shop, update_fields=None, raw=False, **kwargs):
    """A shop flagged high-impact calls for a calibration (PGD-4.8). scoring
    declares no event for the flag, so followup watches the Shop row itself."""
    if raw or not instance.high_impact:
        return
    if update_fields is not None and "high_impact" not in update_fields:
        return
    calibration.calibration_needed_for(instance)


def connect() -> None:
    shop_finalized.connect(on_shop_finalized, dispatch_uid="followup.shop_finalized")
    post_save.connect(on_shop_saved, sender=Shop, dispatch_uid="followup.calibration_needed")
