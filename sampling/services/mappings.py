"""Values of the contact file's coded columns mapped to the program's own
(TLK-5.1.1): what the importer looks up, the suggestions offered for a value it
does not know, and the analyst's mappings (remembered per program, audited).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, utils

from programs.models import Area, Channel, InteractionCategory, Program, User
from sampling import importer
from sampling.models import ContactImport, ImportMapping, ImportStatus, MappingKind

# A suggestion is offered from this similarity (0–100, rapidfuzz's token set ratio).
SUGGEST_FROM = 60
IGNORE = "ignore"
ADD = "add"


@dataclass
class Lookups:
    """Value (importer.key) → id, as the importer takes them."""

    channels: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)


def import_lookups(program: Program) -> Lookups:
    """Codes and names of the program's channels and categories, and its mappings."""
    found = Lookups()
    for channel in Channel.objects.filter(program=program):
        for name in (channel.code, channel.name):
            found.channels[importer.key(name)] = channel.pk
    for category in InteractionCategory.objects.filter(program=program):
        for name in (category.code, category.name):
            found.categories[importer.key(name)] = category.pk
    for m in ImportMapping.objects.filter(program=program):
        if m.kind == MappingKind.CHANNEL:
            found.channels[importer.key(m.value)] = importer.IGNORE if m.ignore else m.channel_id
        elif m.kind == MappingKind.CATEGORY:
            found.categories[importer.key(m.value, m.qualifier)] = m.category_id
    return found  # area mappings are read by the plan (area_lookup), not the importer


@dataclass
class Target:
    """What a value can be mapped to: "category:3", "channel:5", "ignore" or "add"."""

    choice: str
    label: str
    words: str = ""  # what the value is compared with


def targets(program: Program, kind: str) -> list[Target]:
    if kind == MappingKind.CATEGORY:
        found = [
            Target(f"category:{c.pk}", c.name, f"{c.code} {c.name}")
            for c in InteractionCategory.objects.filter(program=program)
        ]
    elif kind == MappingKind.CHANNEL:
        found = [
            Target(f"channel:{c.pk}", c.name, f"{c.code} {c.name}")
            for c in Channel.objects.filter(program=program, is_active=True)
        ]
    else:
        found = [
            Target(f"area:{a.pk}", a.name, f"{a.code} {a.name}")
            for a in Area.objects.filter(program=program)
        ]
    return found


def suggestion(value: str, qualifier: str, options: list[Target]) -> str:
    """The choice most like the value (and its status), "" when none is close.

    Token-set similarity first (a name that holds the value's words scores 100,
    "Komplain" + "FCR" finds "Komplain FCR (complaint…)"), the plain ratio breaks ties.
    """
    words = utils.default_process(f"{value} {qualifier}".replace("_", " "))
    scored = []
    for i, option in enumerate(options):
        other = utils.default_process(option.words.replace("_", " "))
        score = fuzz.token_set_ratio(words, other)
        if score >= SUGGEST_FROM:
            scored.append((score, fuzz.ratio(words, other), -i, option.choice))
    return max(scored)[3] if scored else ""


@dataclass
class Unknown:
    """A value of the file that the program does not know, with its suggestion."""

    kind: str
    value: str
    qualifier: str
    n: int
    rows: list[int]
    suggested: str = ""


def all_targets(program: Program) -> dict[str, list[Target]]:
    return {kind: targets(program, kind) for kind in MappingKind.values}


def unknown_values(
    record: ContactImport, options: dict[str, list[Target]] | None = None
) -> list[Unknown]:
    """The import's values to map, categories first, each with a suggestion
    among `options` (all_targets, read here when not given)."""
    options = options or all_targets(record.program)
    found = []
    # Areas are stored when the import ran: leave out those known since.
    known_areas = area_lookup(record.program) if record.unknown_values.get("area") else {}
    for kind in (MappingKind.CATEGORY, MappingKind.CHANNEL, MappingKind.AREA):
        for v in record.unknown_values.get(kind, []):
            if kind == MappingKind.AREA and v["value"].strip().lower() in known_areas:
                continue
            found.append(
                Unknown(
                    kind=kind,
                    value=v["value"],
                    qualifier=v.get("qualifier", ""),
                    n=v["n"],
                    rows=v["rows"],
                    suggested=suggestion(v["value"], v.get("qualifier", ""), options[kind]),
                )
            )
    return found


@dataclass(frozen=True)
class MappingChoice:
    kind: str
    value: str
    qualifier: str
    choice: str  # a Target's choice


def _unique_code(model, program: Program, name: str) -> str:
    base = (slugify(name) or "value")[:34]
    taken = set(
        model.objects.filter(program=program, code__startswith=base).values_list("code", flat=True)
    )
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


TARGET_MODELS = {
    MappingKind.CATEGORY: InteractionCategory,
    MappingKind.CHANNEL: Channel,
    MappingKind.AREA: Area,
}
NO_TARGET = {"ignore": False, "category": None, "channel": None, "area": None}


def _target_of(program: Program, choice: MappingChoice) -> dict:
    """The fields of a mapping for `choice`; adds the category or channel asked for."""
    if choice.choice == IGNORE:
        if choice.kind != MappingKind.CHANNEL:
            raise ValidationError(_("Only a channel's rows can be left out."))
        return {**NO_TARGET, "ignore": True}
    if choice.choice == ADD:
        if choice.kind == MappingKind.CHANNEL:
            raise ValidationError(
                _("A channel is added on the program's channel page (it needs its service).")
            )
        model = TARGET_MODELS[choice.kind]
        name = f"{choice.value} {choice.qualifier}".strip()[:100]
        added = model.objects.create(
            program=program, code=_unique_code(model, program, name), name=name
        )
        return {**NO_TARGET, choice.kind: added}
    kind, _sep, pk = choice.choice.partition(":")
    model = TARGET_MODELS.get(kind)
    target = (
        model.objects.filter(program=program, pk=pk).first() if model and pk.isdigit() else None
    )
    if target is None or kind != choice.kind:
        raise ValidationError(
            _("“%(choice)s” is not a %(column)s choice of this program.")
            % {"choice": choice.choice, "column": MappingKind(choice.kind).label.lower()}
        )
    return {**NO_TARGET, kind: target}


@transaction.atomic
def import_mappings_apply(
    *, record: ContactImport, choices: list[MappingChoice], user: User
) -> int:
    """Remember the analyst's mappings and, when the import was waiting for
    them, read its file again. All or nothing; returns how many were saved.

    Two people saving the same import's mappings at once: the second waits for
    the first here, finds the import changed since its page was drawn and is
    told so (ValidationError) instead of adding the same reason twice or
    failing on importmapping_unique_value."""
    program = record.program
    locked = ContactImport.objects.select_for_update().get(pk=record.pk)
    if (locked.status, locked.unknown_values) != (record.status, record.unknown_values):
        raise ValidationError(
            _(
                "Someone else saved mappings for this import a moment ago. "
                "Check the values left to map and save again if needed."
            )
        )
    for choice in choices:
        fields = _target_of(program, choice)
        existing = ImportMapping.objects.filter(
            program=program,
            kind=choice.kind,
            value__iexact=choice.value,
            qualifier__iexact=choice.qualifier,
        ).first()
        mapping = existing or ImportMapping(
            program=program,
            kind=choice.kind,
            value=choice.value,
            qualifier=choice.qualifier,
            contact_import=record,
            created_by=user,
        )
        for name, value in fields.items():
            setattr(mapping, name, value)
        mapping._change_reason = _("Mapped on the import of %(month)s (%(file)s).") % {
            "month": f"{record.month:%Y-%m}",
            "file": record.original_name,
        }
        mapping.save()
    if record.status == ImportStatus.NEEDS_MAPPING:
        import_retry(record)
    elif record.unknown_values.get(MappingKind.AREA):
        # Areas do not stop an import: once mapped they are no longer unknown.
        mapped = {(c.value.lower()) for c in choices if c.kind == MappingKind.AREA}
        left = [
            v for v in record.unknown_values[MappingKind.AREA] if v["value"].lower() not in mapped
        ]
        record.unknown_values = {**record.unknown_values, MappingKind.AREA: left}
        if not left:
            del record.unknown_values[MappingKind.AREA]
        record.save(update_fields=["unknown_values"])
    return len(choices)


def unknown_areas(program: Program, counts: dict[str, int]) -> list[dict]:
    """The area texts of an import (text -> contacts) that are none of the
    program's areas by code, name or mapping, most contacts first; only for a
    program that picks its top reasons per area (TLK-5.1.2), where they count."""
    if not program.top_reasons_per_area:
        return []
    known = area_lookup(program)
    found = [
        {"value": text, "qualifier": "", "n": n, "rows": []}
        for text, n in counts.items()
        if text.strip() and text.strip().lower() not in known
    ]
    return sorted(found, key=lambda v: (-v["n"], v["value"]))


def area_lookup(program: Program) -> dict[str, int]:
    """Area text (lower case) -> area id: names, codes (a code wins over a name)
    and the analyst's mappings (a mapping wins over both)."""
    areas = list(Area.objects.filter(program=program))
    lookup = {a.name.strip().lower(): a.pk for a in areas}
    lookup.update({a.code.strip().lower(): a.pk for a in areas})
    for value, area_id in ImportMapping.objects.filter(
        program=program, kind=MappingKind.AREA, area__isnull=False
    ).values_list("value", "area_id"):
        lookup[value.strip().lower()] = area_id
    return lookup


def import_retry(record: ContactImport) -> None:
    """Queue the import again (its file is read with the mappings of now).
    After the commit, `record.queued` says whether the broker took it (as for
    contact_import_start); the sweep queues it later when it did not."""
    from sampling.services import enqueue_import

    ContactImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.PENDING,
        progress=0,
        attempts=0,
        started_at=None,
        finished_at=None,
    )
    record.queued = None

    def send() -> None:
        record.queued = enqueue_import(record.pk)

    transaction.on_commit(send)


@transaction.atomic
def import_mapping_change(*, mapping: ImportMapping, choice: str, user: User) -> ImportMapping:
    fields = _target_of(
        mapping.program, MappingChoice(mapping.kind, mapping.value, mapping.qualifier, choice)
    )
    for name, value in fields.items():
        setattr(mapping, name, value)
    mapping._change_reason = _("Changed by %(user)s.") % {"user": user}
    mapping.save()
    return mapping


@transaction.atomic
def import_mapping_delete(*, mapping: ImportMapping, user: User) -> None:
    mapping._change_reason = _("Removed by %(user)s.") % {"user": user}
    mapping.delete()
