"""The change history of audited rows (django-simple-history), as every page
shows it: who saved what and when, and which fields changed from the row's
previous record. One renderer for the audit trail, the library, people,
scorecard versions, calibration sessions and legal holds."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, QuerySet, Subquery
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KIND_LABELS = {
    "+": gettext_lazy("Created"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Deleted"),
}
NOT_SHOWN = frozenset({"id", "program", "created_at"})

Field = tuple[str, Callable[[object], str]]  # a label, and the shown value of a record


class FieldChange(NamedTuple):
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    """One save of an audited row: who, when, what kind, which fields changed."""

    when: datetime
    user: object  # a User, or None when the system saved
    kind: str  # "+" created, "~" changed, "-" deleted (simple-history's codes)
    kind_label: str
    object_id: int
    title: str
    changes: list[FieldChange]
    reason: str  # the change reason recorded with the save, if any
    record: object  # the historical record itself, for what a page shows beside
    group: str = ""  # what kind of row, where one list mixes several

    @property
    def who(self) -> str:
        return str(self.user) if self.user else _("the system")


def display(record, field) -> str:
    """A field's value as the history shows it: names for foreign keys and
    choices, yes/no, ISO dates in every language, "—" for nothing."""
    value = getattr(record, field.attname)
    if value is None or value == "" or value == []:
        return "—"
    if field.is_relation:
        try:
            return str(getattr(record, field.name))
        except ObjectDoesNotExist:
            return f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return floatformat(value, -2)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, str) and value:
        # Text the product stored as an English msgid (a preset's rule name,
        # "From the preset.") is worded in the reader's language; any other
        # text is found in no catalogue and shown as typed.
        return _(value)
    return str(value)


def model_fields(model, *, only: Iterable[str] = (), exclude=NOT_SHOWN) -> list[Field]:
    """The shown fields of a historical model: `only` those named, else every
    tracked field but `exclude`."""
    tracked = {f.name: f for f in model.tracked_fields}
    names = list(only) or [name for name in tracked if name not in exclude]
    return [
        (str(tracked[name].verbose_name), lambda r, f=tracked[name]: display(r, f))
        for name in names
    ]


def history_entries(
    records: QuerySet,
    *,
    related: tuple[str, ...] = (),
    prefetch: tuple[str, ...] = (),
    limit: int = 50,
    fields: list[Field] | None = None,
    **options,
) -> list[HistoryEntry]:
    """The latest `limit` records of `records` (a simple-history queryset),
    newest first, each with the `fields` it changed compared with the row's
    previous record (by default every tracked field but the id, program and
    creation time). Two queries whatever the number of records, plus one per
    `prefetch`; `related` names the foreign keys to show by name."""
    model = records.model
    if fields is None:
        fields = model_fields(model)
        # Foreign keys are shown by name: fetched with the records.
        related = (*related, *{f.name for f in model.tracked_fields if f.is_relation} - NOT_SHOWN)
    previous = (
        model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    latest = list(
        records.select_related("history_user", *related)
        .prefetch_related(*prefetch)
        .annotate(previous_history_id=Subquery(previous))
        .order_by("-history_id")[:limit]
    )
    wanted = [r.previous_history_id for r in latest if r.previous_history_id]
    prior_records = model.objects.prefetch_related(*prefetch)
    if related:
        prior_records = prior_records.select_related(*related)
    # Queried even when no record has a prior (id 0 is none), so that a page
    # runs as many queries with one record as with many.
    before = prior_records.in_bulk(wanted or [0])
    priors = {r.history_id: before.get(r.previous_history_id) for r in latest}
    return entries_of(latest, priors=priors, fields=fields, **options)


def entries_of(
    records: list,
    *,
    priors: dict | None = None,
    fields: list[Field] = (),
    kind_labels: dict | None = None,
    describe: Callable[[object], str] = lambda record: str(record.instance),
    group: str = "",
    created_values: bool = False,
    skip_unchanged: bool = False,
) -> list[HistoryEntry]:
    """History entries of `records` as listed. `priors` maps a record's
    history_id to the row's record before it; `created_values` lists a
    creation's values as changes from nothing; `skip_unchanged` leaves out
    saves that changed none of `fields`."""
    labels = kind_labels or KIND_LABELS
    priors = priors or {}
    entries = []
    for record in records:
        prior = priors.get(record.history_id)
        changes = []
        if record.history_type == "~" and prior is not None:
            for label, value_of in fields:
                old, new = value_of(prior) or "—", value_of(record) or "—"
                if old != new:
                    changes.append(FieldChange(label, old, new))
        elif record.history_type == "+" and created_values:
            for label, value_of in fields:
                if (new := value_of(record) or "—") != "—":
                    changes.append(FieldChange(label, "—", new))
        if skip_unchanged and record.history_type == "~" and not changes:
            continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user,
                kind=record.history_type,
                kind_label=str(labels.get(record.history_type, record.history_type)),
                object_id=record.id,
                title=describe(record),
                changes=changes,
                # A reason the product wrote is stored as its English msgid
                # ("From the preset."): worded here, in the reader's language.
                reason=_(record.history_change_reason) if record.history_change_reason else "",
                record=record,
                group=group,
            )
        )
    return entries
