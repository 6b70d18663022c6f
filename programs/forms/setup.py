"""Forms of program setup: rules, the frame tables, members, new program."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.forms import modelformset_factory
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from mysteryshop.widgets import DateInput
from programs.models import (
    Channel,
    DocumentRevision,
    InteractionCategory,
    Membership,
    Organization,
    Program,
    ProgramClosure,
    Raci,
    RetentionRule,
    Role,
    ScoringMode,
    TimeBand,
    TimeSlot,
)
from programs.presets import PRESET_CHOICES
from programs.selectors.setup import scoring_mode_change
from programs.workdays import WEEKDAY_NAMES

WEEKDAYS = list(WEEKDAY_NAMES.items())
# Lazy: worded in the language of the request, not of the module's import.
_week_label = lazy(lambda n: gettext("Week %(n)s") % {"n": n}, str)
WEEKS = [(w, _week_label(w)) for w in range(1, 6)]


class IntListField(forms.TypedMultipleChoiceField):
    """Checkboxes stored as a JSON list of ints."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(
            choices=choices, coerce=int, widget=forms.CheckboxSelectMultiple, **kwargs
        )

    def prepare_value(self, value):
        return [str(v) for v in value] if isinstance(value, list) else value


class ProgramRulesForm(forms.ModelForm):
    """Every rule of a program that differs between work instructions."""

    working_days = IntListField(choices=WEEKDAYS, label=_("Working days"))
    execution_weeks = IntListField(
        choices=WEEKS, required=False, label=_("Execution weeks of the month")
    )

    class Meta:
        model = Program
        fields = [
            "name",
            "is_active",
            "time_zone",
            "monthly_sample_size",
            "sample_size_is_minimum",
            "top_n_reasons",
            "top_reasons_per_area",
            "top_reasons_per_category",
            "min_shops_per_band",
            "execution_pattern",
            "sessions_per_week",
            "execution_weeks",
            "working_days",
            "skip_public_holidays",
            "avoid_high_traffic",
            "traffic_threshold_percent",
            "max_shops_per_shopper_slot",
            "scoring_mode",
            "target_score",
            "report_due_day",
            "report_reminder_days",
            "team_leader_forms_via_supervisor",
            "supervisor_handin_days",
            "defect_notes_via_supervisor",
            "contact_time_tolerance_minutes",
            "dispute_window_days",
            "defect_ack_days",
            "case_calibration_days",
            "calibration_due_day",
            "document_code",
            "document_title",
            "revision",
            "effective_date",
            "form_code_report",
            "form_code_followup",
            "form_code_ms_form",
            "form_code_execution",
        ]
        widgets = {"effective_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scoring_mode"].help_text = _(
            "A change applies to new shops only: shops started before it keep the mode "
            "they were scored under, also when they are finalized, revised or calibrated."
        )
        self.mode_change = None
        mode = self.data.get("scoring_mode") if self.is_bound else None
        if self.instance.pk and mode in ScoringMode.values and mode != self.instance.scoring_mode:
            # Asked before saving: how many shops keep their old mode.
            self.mode_change = scoring_mode_change(self.instance, mode)
            if self.mode_change.kept:
                self.fields["confirm_scoring_mode"] = forms.BooleanField(
                    required=False,
                    label=_("Change the mode for new shops; the shops so far keep theirs"),
                )
        self.helper = FormHelper()
        self.helper.form_tag = False
        row = "row row-cols-1 row-cols-md-2 row-cols-xl-3"
        self.helper.layout = Layout(
            Fieldset(_("Program"), Div("name", "time_zone", "is_active", css_class=row)),
            Fieldset(
                _("Sampling (PGD-4.3, 4.4; TLK-5.1.2, 5.2.1.2)"),
                Div(
                    "monthly_sample_size",
                    "sample_size_is_minimum",
                    "top_n_reasons",
                    "top_reasons_per_area",
                    "top_reasons_per_category",
                    "min_shops_per_band",
                    css_class=row,
                ),
            ),
            Fieldset(
                _("Scheduling (PGD-4.5, 5.2.2; TLK-5.2.1.3)"),
                Div(
                    "execution_pattern",
                    "sessions_per_week",
                    "execution_weeks",
                    "working_days",
                    "skip_public_holidays",
                    "avoid_high_traffic",
                    "traffic_threshold_percent",
                    "max_shops_per_shopper_slot",
                    css_class=row,
                ),
            ),
            Fieldset(
                _("Scoring and reporting (PGD-5.1.2, 4.7; TLK-5.3.3)"),
                Div(
                    "scoring_mode",
                    *(["confirm_scoring_mode"] if "confirm_scoring_mode" in self.fields else []),
                    "target_score",
                    "report_due_day",
                    "report_reminder_days",
                    "team_leader_forms_via_supervisor",
                    "supervisor_handin_days",
                    "defect_notes_via_supervisor",
                    "contact_time_tolerance_minutes",
                    "dispute_window_days",
                    "defect_ack_days",
                    "case_calibration_days",
                    "calibration_due_day",
                    css_class=row,
                ),
            ),
            Fieldset(
                _("Work instruction and forms (PGD-7, TLK-6, TLK-7)"),
                Div(
                    "document_code",
                    "document_title",
                    "revision",
                    "effective_date",
                    "form_code_report",
                    "form_code_followup",
                    "form_code_ms_form",
                    "form_code_execution",
                    css_class=row,
                ),
            ),
        )

    def clean(self):
        cleaned = super().clean()
        change = self.mode_change
        if change is None:
            return cleaned
        for problem in change.problems:
            self.add_error("scoring_mode", problem)
        if change.kept and not cleaned.get("confirm_scoring_mode"):
            old = ScoringMode(change.old_mode).label
            new = ScoringMode(change.mode).label
            self.add_error(
                "confirm_scoring_mode",
                ngettext(
                    "%(count)s shop keeps the mode it was scored under (%(old)s); only new "
                    "shops will be scored as %(new)s. Tick the box to confirm the change.",
                    "%(count)s shops keep the mode they were scored under (%(old)s); only new "
                    "shops will be scored as %(new)s. Tick the box to confirm the change.",
                    change.kept,
                )
                % {"count": change.kept, "old": old, "new": new},
            )
        return cleaned


# --- The frame tables, edited as formsets -----------------------------------


class _ProgramScopedForm(forms.ModelForm):
    """Limits foreign-key choices to rows of the same program."""

    scoped_fields: dict[str, type] = {}

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        for name, model in self.scoped_fields.items():
            self.fields[name].queryset = model.objects.filter(program=program)

    def save(self, commit=True):
        self.instance.program = self.program
        return super().save(commit=commit)

    def _post_clean(self):
        self.instance.program = self.program
        super()._post_clean()


class CategoryForm(_ProgramScopedForm):
    class Meta:
        model = InteractionCategory
        fields = ["code", "name", "order"]


class TimeBandForm(_ProgramScopedForm):
    scoped_fields = {"maps_to": TimeBand}

    class Meta:
        model = TimeBand
        fields = ["code", "name", "start_hour", "end_hour", "maps_to", "order"]


class TimeSlotForm(_ProgramScopedForm):
    scoped_fields = {"band": TimeBand}

    class Meta:
        model = TimeSlot
        fields = ["band", "start", "end"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class ClosureForm(_ProgramScopedForm):
    class Meta:
        model = ProgramClosure
        fields = ["date", "reason"]
        widgets = {"date": DateInput()}


class RetentionForm(_ProgramScopedForm):
    class Meta:
        model = RetentionRule
        fields = ["record_type", "years"]


class RevisionForm(_ProgramScopedForm):
    class Meta:
        model = DocumentRevision
        fields = ["revision", "effective_date", "description"]
        widgets = {
            "effective_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class ChannelForm(_ProgramScopedForm):
    scoped_fields = {"parent": Channel}

    class Meta:
        model = Channel
        fields = ["code", "name", "kind", "parent", "evidence_required", "is_active"]


def table_formset(form_class):
    return modelformset_factory(form_class.Meta.model, form=form_class, extra=1, can_delete=True)


# --- Members ------------------------------------------------------------------


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        help_text=_("Needed only for someone who has no account yet."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    raci = forms.ChoiceField(
        label=_("RACI"),
        choices=[("", _("The role's usual part")), *Raci.choices],
        required=False,
    )


class MembershipRaciForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["raci"]


class ProgramFromPresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Preset"), choices=PRESET_CHOICES)
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("Short code used in addresses and documents, e.g. PGD2."),
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=None
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean_code(self):
        code = self.cleaned_data["code"]
        Program._meta.get_field("code").run_validators(code)
        if Program.objects.filter(code__iexact=code).exists():
            raise forms.ValidationError(_("A program with this code exists already."))
        return code
