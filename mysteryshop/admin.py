"""What the Django admin may do with the product's records.

The admin is for system administrators looking things up; the product's rules
live in its services (STYLE.md), so records whose changes must go through a
service are shown read-only here, and the few operations an administrator needs
(e.g. requeueing a stuck import) are admin actions that call those services.
"""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed, filtered and opened, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
