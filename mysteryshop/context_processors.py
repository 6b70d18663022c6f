from notifications.models import Notification
from programs.access import memberships_for_nav


def navigation(request):
    """The signed-in user's programs and roles, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_programs": memberships_for_nav(request),
        "unread_notifications": Notification.objects.filter(user=user, read_at=None).count(),
    }
