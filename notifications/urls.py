"""URLs of the inbox, included at the site root: notifications belong to a user,
not to one program."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("inbox/preferences/", views.preferences, name="notification_preferences"),
    path("ops/reminders/", views.reminder_operations, name="reminder_operations"),
]
