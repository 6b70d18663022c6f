"""A shop flagged high-impact calls for a calibration (PGD-4.8).

Connected on import (followup.apps imports this module). scoring declares no
event for the flag, so followup watches the Shop row itself.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from followup import calibration_services
from scoring.models import Shop


@receiver(post_save, sender=Shop, dispatch_uid="followup.calibration_needed")
def on_shop_saved(sender, instance: Shop, update_fields=None, raw=False, **kwargs):
    if raw or not instance.high_impact:
        return
    if update_fields is not None and "high_impact" not in update_fields:
        return
    calibration_services.calibration_needed_for(instance)
