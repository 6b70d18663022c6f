from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "email_status", "email_attempts"]
    list_filter = ["kind", "email_status"]
    search_fields = ["title", "user__email"]
