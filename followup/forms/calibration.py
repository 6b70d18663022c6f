"""Forms of the calibration pages. They read and check what was typed; the
writes are followup.services.calibration, whose messages come back to the fields."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from followup.models import (
    CalibrationAction,
    CalibrationSession,
    CaseStatus,
    CustomerCase,
    Defect,
    DefectStatus,
    ReviewedDefect,
    RootCause,
    SessionKind,
)
from followup.services.calibration import participants
from mysteryshop.widgets import DateInput
from programs.models import Program
from scoring.models import Shop, ShopState

# Defects and shops offered for review: those since a quarter before the session.
WINDOW = timedelta(days=92)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: keyed messages next to
    their field, the rest at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, messages)


def _person(user) -> str:
    return f"{user.full_name} · {user.email}" if user.full_name else user.email


def _shop_label(shop: Shop) -> str:
    agent = shop.agent.name if shop.agent_id else _("agent not identified")
    return f"#{shop.planned_shop.number} · {shop.planned_shop.date:%Y-%m-%d} · {agent}"


def case_label(case: CustomerCase) -> str:
    """A customer case as a choice: when, source, whom it concerns, due date."""
    return f"{case.occurred_at:%Y-%m-%d} · {case.get_source_display()} · {case.concerns} · " + str(
        _("due %(day)s") % {"day": f"{case.calibration_due_on:%Y-%m-%d}"}
    )


class SessionForm(forms.ModelForm):
    """Plan a session: date, title, kind, invitees, the customer cases it
    evaluates, optional high-impact shop."""

    invitees = forms.ModelMultipleChoiceField(
        label=_("Invite"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The analysts and the agents' direct superiors who evaluate the defects."),
    )

    class Meta:
        model = CalibrationSession
        fields = ["held_on", "title", "kind", "customer_cases", "related_shop", "agenda"]
        widgets = {
            "held_on": DateInput(),
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "customer_cases": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitees"].queryset = participants(program)
        self.fields["invitees"].label_from_instance = _person
        shop = self.fields["related_shop"]
        shop.queryset = (
            Shop.objects.filter(program=program, high_impact=True)
            .select_related("planned_shop", "agent")
            .order_by("-planned_shop__date", "-pk")
        )
        shop.label_from_instance = _shop_label
        shop.empty_label = _("None")
        cases = self.fields["customer_cases"]
        cases.queryset = (
            CustomerCase.objects.filter(program=program, status=CaseStatus.OPEN)
            .select_related("agent", "team")
            .order_by("calibration_due_on", "pk")
        )
        cases.label_from_instance = case_label
        cases.help_text = _("Open cases only; holding the session closes the ones ticked.")

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("kind") == SessionKind.HIGH_IMPACT
            and not cleaned.get("related_shop")
            and not cleaned.get("customer_cases")
        ):
            self.add_error(
                "customer_cases",
                _("Choose the customer case (or the high-impact shop) this session is about."),
            )
        return cleaned


class SessionCasesForm(forms.Form):
    """Add open customer cases to the ones a planned session evaluates."""

    customer_cases = forms.ModelMultipleChoiceField(
        label=_("Open customer cases"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Holding the session closes the cases it evaluates."),
    )

    def __init__(self, *args, session: CalibrationSession, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["customer_cases"]
        field.queryset = (
            CustomerCase.objects.filter(program=session.program_id, status=CaseStatus.OPEN)
            .exclude(sessions=session)
            .select_related("agent", "team")
            .order_by("calibration_due_on", "pk")
        )
        field.label_from_instance = case_label


class MinutesForm(forms.ModelForm):
    """The minutes of meeting."""

    class Meta:
        model = CalibrationSession
        fields = ["agenda", "discussion", "decisions"]
        widgets = {
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "discussion": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "discussion": _("What was evaluated and said, finding by finding."),
            "decisions": _("What the session agreed: the standard to apply, the follow-up."),
        }


class AttendeeForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=None)
    invited = forms.BooleanField(
        label=_("Invited beforehand"),
        required=False,
        initial=True,
        help_text=_("Untick for someone who joined without an invitation."),
    )

    def __init__(self, *args, session: CalibrationSession, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        person.queryset = participants(session.program).exclude(
            calibration_attendances__session=session
        )
        person.label_from_instance = _person


class DefectsForm(forms.Form):
    defects = forms.ModelMultipleChoiceField(
        label=_("Defects to review"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Defects within three months of the session: tick each one to review; type in "
            "the box above to narrow the list."
        ),
    )

    def __init__(self, *args, session: CalibrationSession, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["defects"]
        field.queryset = (
            Defect.objects.filter(
                program=session.program_id,
                shop__planned_shop__date__range=(
                    session.held_on - WINDOW,
                    session.held_on + WINDOW,
                ),
            )
            .exclude(status=DefectStatus.WITHDRAWN)
            .exclude(calibration_reviews__session=session)
            .select_related("shop__planned_shop", "parameter", "agent")
            .order_by("-shop__planned_shop__date", "shop_id", "parameter__order", "pk")
        )
        field.label_from_instance = lambda d: (
            f"#{d.shop.planned_shop.number} {d.shop.planned_shop.date:%Y-%m-%d} · "
            f"{d.parameter.text} · {d.agent.name if d.agent_id else '—'}"
        )


class RootCauseForm(forms.ModelForm):
    defects = forms.ModelMultipleChoiceField(
        label=_("Defects it explains"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = RootCause
        fields = ["category", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, session: CalibrationSession, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["defects"]
        field.queryset = ReviewedDefect.objects.filter(session=session).select_related(
            "defect__shop__planned_shop", "defect__parameter"
        )
        field.label_from_instance = lambda r: (
            f"#{r.defect.shop.planned_shop.number} · {r.defect.parameter.text}"
        )


class ActionForm(forms.ModelForm):
    class Meta:
        model = CalibrationAction
        fields = ["description", "owner", "due_on", "root_cause"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due_on": DateInput(),
        }

    def __init__(self, *args, session: CalibrationSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = participants(session.program)
        self.fields["owner"].label_from_instance = _person
        cause = self.fields["root_cause"]
        cause.queryset = RootCause.objects.filter(session=session)
        cause.empty_label = _("None")

    def clean_due_on(self):
        due = self.cleaned_data["due_on"]
        if self.instance.session_id and due < self.instance.session.held_on:
            raise ValidationError(_("The due date cannot be before the session."))
        return due


class CaseForm(forms.Form):
    shop = forms.ModelChoiceField(
        label=_("Finalized shop to score"),
        queryset=None,
        help_text=_("Finalized shops within three months of the session."),
    )

    def __init__(self, *args, session: CalibrationSession, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["shop"]
        field.queryset = (
            Shop.objects.filter(
                Q(planned_shop__date__range=(session.held_on - WINDOW, session.held_on + WINDOW))
                | Q(pk=session.related_shop_id),
                program=session.program_id,
                state=ShopState.FINALIZED,
            )
            .exclude(calibration_cases__session=session)
            .select_related("planned_shop", "agent")
            .order_by("-planned_shop__date", "-pk")
        )
        field.label_from_instance = _shop_label
        field.empty_label = _("Choose a shop")
