"""followup listens to scoring's events (scoring never imports followup)."""

from followup import services
from scoring.signals import shop_finalized


def on_shop_finalized(sender, shop, **kwargs):
    services.shop_follow_up(shop=shop)


def connect() -> None:
    shop_finalized.connect(on_shop_finalized, dispatch_uid="followup.shop_finalized")
