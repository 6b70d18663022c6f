from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the periodic heartbeat task."""

    worker = models.CharField(_("worker"), max_length=200, unique=True)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-beat_at"]

    def __str__(self):
        return f"{self.worker} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
