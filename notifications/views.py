"""The notification inbox, preferences, and the administrators' reminder overview."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from notifications.models import EmailStatus, Kind, Notification, Preference


@login_required
def inbox(request):
    notifications = Notification.objects.filter(user=request.user).select_related("program")
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request, pk=None):
    """Mark one notification read and follow its link, or mark all read."""
    now = timezone.now()
    if pk is None:
        Notification.objects.filter(user=request.user, read_at=None).update(read_at=now)
        return redirect("inbox")
    notification = get_object_or_404(Notification, user=request.user, pk=pk)
    Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=now)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "inbox"
    return redirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Which kinds of notification also come by e-mail."""
    current = dict(Preference.objects.filter(user=request.user).values_list("kind", "email"))
    if request.method == "POST":
        chosen = set(request.POST.getlist("email"))
        for kind in Kind.values:
            Preference.objects.update_or_create(
                user=request.user, kind=kind, defaults={"email": kind in chosen}
            )
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notification_preferences")
    kinds = [(value, label, current.get(value, True)) for value, label in Kind.choices]
    return render(request, "notifications/preferences.html", {"kinds": kinds})


@staff_member_required
def reminder_operations(request):
    """For administrators: reminders sent, failing and waiting, newest first."""
    status = request.GET.get("status", "")
    rows = Notification.objects.select_related("user", "program")
    if status in EmailStatus.values:
        rows = rows.filter(email_status=status)
    counts = dict(Notification.objects.values_list("email_status").annotate(n=Count("pk")))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/operations.html",
        {
            "page": page,
            "status": status,
            "statuses": EmailStatus.choices,
            "counts": counts,
        },
    )
