"""Forms of the shopper's pages: the execution record (F-32) with the MS form's
answers (F-31), evidence files, and a contact that could not be made."""

from collections.abc import Mapping

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models import Agent, AnswerType, Channel, Parameter, Program, ScoringMode
from scoring.models import EvidenceKind, NotExecutedReason, Recognised, Shop
from scoring.services import EXECUTION_FIELDS, AnswerInput, ShopInput

MET, NOT_MET, NA = "met", "not_met", "na"

# Keys of services.submit_errors() that name a field of ShopForm.
SERVICE_FIELDS = {
    "executed_at": "executed_at",
    "channel_id": "channel",
    "agent_id": "agent",
    "recognised": "recognised",
    "time_deviation_reason": "time_deviation_reason",
}
# Keys of services.submit_errors() about the shop's evidence files.
EVIDENCE_KEYS = {"evidence"}


# What a field with an error keeps: its stored value (model attribute names).
STORED_AS = {"channel": "channel_id", "agent": "agent_id"}


def allowed_answers(parameter: Parameter, binary: bool) -> set[str]:
    """The values the MS form offers for `parameter` (programs.scorecards.ms_form)."""
    if parameter.answer_type == AnswerType.SCALE and not binary:
        values = {str(v) for v in range((parameter.scale_max or 1) + 1)}
    else:
        values = {MET, NOT_MET}
    if parameter.allow_not_applicable:
        values.add(NA)
    return values


def is_not_met(parameter: Parameter, value: str) -> bool:
    return value == NOT_MET or (parameter.answer_type == AnswerType.SCALE and value == "0")


class ShopForm(forms.ModelForm):
    """The execution record (F-32) and, read from the same POST, the answers of
    the MS form (inputs answer-<id>, nonconformity-<id>, correct_solution-<id>).

    Nothing is required here: a draft may be half-filled. What a submitted
    form needs is checked by services.submit_errors().
    """

    duration_minutes = forms.IntegerField(
        label=_("Minutes"),
        required=False,
        min_value=0,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    duration_secs = forms.IntegerField(
        label=_("Seconds"),
        required=False,
        min_value=0,
        max_value=59,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    class Meta:
        model = Shop
        fields = [
            "executed_at",
            "channel",
            "contact_handle",
            "agent",
            "agent_not_identified",
            "interaction_id",
            "recognised",
            "notes",
            "time_deviation_reason",
        ]
        labels = {
            "executed_at": _("Contact started at"),
            "recognised": _("The agent may have recognised me"),
        }
        widgets = {
            "executed_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "recognised": forms.RadioSelect(attrs={"class": "btn-check"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "time_deviation_reason": forms.Textarea(attrs={"rows": 2}),
            "contact_handle": forms.TextInput(attrs={"autocomplete": "off"}),
            "interaction_id": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(
        self,
        data=None,
        *,
        shop: Shop,
        program: Program,
        parameters: list[Parameter],
        **kwargs,
    ):
        initial = {}
        if shop.duration_seconds is not None:
            initial = {
                "duration_minutes": shop.duration_seconds // 60,
                "duration_secs": shop.duration_seconds % 60,
            }
        super().__init__(data, instance=shop, initial=initial, **kwargs)
        self.program = program
        self.parameters = parameters
        self.binary = shop.scoring_mode == ScoringMode.BINARY  # the shop's own mode
        self.answer_errors: dict[str, str] = {}
        self.evidence_errors: list[str] = []
        self.answers: dict[int, AnswerInput] = {}

        zone = program.time_zone
        self.fields["executed_at"].help_text = _(
            "The time you started the contact, in the program's time zone (%(zone)s)."
        ) % {"zone": zone}
        channel = self.fields["channel"]
        channel.queryset = Channel.objects.filter(program=program).select_related("parent")
        channel.label_from_instance = lambda c: (
            f"{c.parent.name} › {c.name}" if c.parent_id else c.name
        )
        channel.empty_label = _("Choose the channel")
        date = shop.planned_shop.date
        agent = self.fields["agent"]
        agent.queryset = Agent.objects.filter(
            Q(active_to__isnull=True) | Q(active_to__gte=date) | Q(pk=shop.agent_id or 0),
            program=program,
        ).order_by("name", "employee_id")
        agent.empty_label = _("Choose the agent")
        self.fields["recognised"].choices = Recognised.choices
        self.fields["contact_handle"].help_text = _(
            "The phone number, account or address you used."
        )
        planned = shop.planned_shop
        self.fields["time_deviation_reason"].label = _("Why the contact was off its slot")
        self.fields["time_deviation_reason"].help_text = _(
            "Needed when the contact started more than %(tolerance)d minutes outside the "
            "planned slot: %(slot)s on %(day)s (TLK-5.3.1)."
        ) % {
            "tolerance": program.contact_time_tolerance_minutes,
            "slot": planned.slot,
            "day": planned.date.isoformat(),
        }

    def clean(self):
        cleaned = super().clean()
        minutes, secs = cleaned.get("duration_minutes"), cleaned.get("duration_secs")
        if minutes is None and secs is None:
            cleaned["duration_seconds"] = None
        else:
            cleaned["duration_seconds"] = (minutes or 0) * 60 + (secs or 0)
        if cleaned.get("agent_not_identified"):
            cleaned["agent"] = None
        self._clean_answers()
        return cleaned

    def _clean_answers(self) -> None:
        data = self.data
        for parameter in self.parameters:
            name = f"answer-{parameter.pk}"
            if name not in data:
                continue  # not answered yet: leave what is stored
            value = data.get(name, "").strip()
            if value and value not in allowed_answers(parameter, self.binary):
                self.answer_errors[name] = _("This answer is not valid.")
                continue
            given = AnswerInput(value=value)
            if is_not_met(parameter, value):
                given.nonconformity = data.get(f"nonconformity-{parameter.pk}", "")
                given.correct_solution = data.get(f"correct_solution-{parameter.pk}", "")
                if "\x00" in given.nonconformity + given.correct_solution:  # PostgreSQL refuses
                    self.answer_errors[name] = _("Null characters are not allowed.")
                    continue
            self.answers[parameter.pk] = given

    def is_valid(self) -> bool:
        return super().is_valid() and not self.answer_errors

    def shop_input(self) -> ShopInput:
        """What the services save (call after is_valid(), valid or not): every
        valid field as typed; a field with an error keeps what is stored, so
        an autosave saves all the rest (an invalid answer is left out the same
        way by _clean_answers)."""
        c = self.cleaned_data
        bad = set(self.errors)
        stored = Shop.objects.filter(pk=self.instance.pk).values(*EXECUTION_FIELDS).first() or {}

        def given(name: str, typed):
            return stored.get(STORED_AS.get(name, name)) if name in bad else typed

        duration = c.get("duration_seconds")
        if bad & {"duration_minutes", "duration_secs"}:
            duration = stored.get("duration_seconds")
        return ShopInput(
            executed_at=given("executed_at", c.get("executed_at")),
            channel_id=given("channel", c["channel"].pk if c.get("channel") else None),
            contact_handle=given("contact_handle", c.get("contact_handle", "")),
            agent_id=given("agent", c["agent"].pk if c.get("agent") else None),
            agent_not_identified=bool(
                given("agent_not_identified", c.get("agent_not_identified"))
            ),
            interaction_id=given("interaction_id", c.get("interaction_id", "")),
            duration_seconds=duration,
            recognised=given("recognised", c.get("recognised") or "") or "",
            notes=given("notes", c.get("notes", "")),
            time_deviation_reason=given(
                "time_deviation_reason", c.get("time_deviation_reason", "")
            ),
            answers=self.answers,
        )

    def field_errors(self) -> dict[str, list[str]]:
        """Every error by the input's name (the page marks each input)."""
        errors = {name: [str(m) for m in msgs] for name, msgs in self.errors.items()}
        errors.update({name: [str(m)] for name, m in self.answer_errors.items()})
        return errors

    def typed_answers(self, stored: Mapping[int, dict]) -> dict[int, dict]:
        """The answers to show again: what was typed, over what is stored."""
        shown = {pk: dict(values) for pk, values in stored.items()}
        if not self.is_bound:
            return shown
        for parameter in self.parameters:
            name = f"answer-{parameter.pk}"
            if name in self.data:
                shown[parameter.pk] = {
                    "answer": self.data.get(name, ""),
                    "nonconformity": self.data.get(f"nonconformity-{parameter.pk}", ""),
                    "correct_solution": self.data.get(f"correct_solution-{parameter.pk}", ""),
                }
        return shown

    def add_service_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Show the ValidationError.message_dict of services.shop_submit() next
        to its field or parameter."""
        for key, messages in errors.items():
            if key in SERVICE_FIELDS:
                self.add_error(SERVICE_FIELDS[key], messages)
            elif key in EVIDENCE_KEYS:
                self.evidence_errors += messages
            elif key == "__all__":
                self.add_error(None, messages)
            else:
                self.answer_errors[key] = " ".join(messages)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    # Empty files reach the service, which says so in its own words.
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,
        help_text=_(
            "A recording (MP3, WAV, M4A, OGG), a screenshot (PNG, JPEG, WebP), a PDF or a "
            "text transcript, up to 25 MB."
        ),
    )


class NotExecutedForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why the contact could not be made"),
        choices=NotExecutedReason.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input flex-shrink-0 mt-0"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=250,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the time you tried and what you heard."),
    )

    def clean(self):
        cleaned = super().clean()
        note = cleaned.get("note", "").strip()
        if cleaned.get("reason") == NotExecutedReason.OTHER and not note:
            self.add_error("note", _("Say what happened."))
        return cleaned
