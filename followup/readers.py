"""Who reads a shop because of follow-up work (scoring.signals.shop_read_asked).

PGD-4.8 / 5.5.1: the raters of a calibration session hear the contact they
score blind. An attendee of a session not yet held reads each shop the
session calibrates, with its evidence, and no other shop; once the session
is marked held the access ends.
"""

from followup.models import CalibrationCase, SessionStatus


def calibration_rater(sender, *, user, shop, **kwargs) -> bool:
    return CalibrationCase.objects.filter(
        shop=shop,
        session__status=SessionStatus.PLANNED,
        session__attendees__user=user,
    ).exists()


def connect() -> None:
    from scoring.signals import shop_read_asked

    shop_read_asked.connect(calibration_rater, dispatch_uid="followup.calibration_rater")
