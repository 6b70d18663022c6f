"""Forms of the people pages: areas, teams, agents, the agent filter and the import."""

import django_filters
from django import forms
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from mysteryshop.widgets import DateInput
from programs.importer import ALLOWED_EXTENSIONS
from programs.models import Agent, Area, Channel, Role, Team, User


def program_channels(program):
    """The program's channels, each sub-channel right after its parent."""
    return (
        Channel.objects.filter(program=program)
        .select_related("parent")
        .order_by(
            "kind",
            Coalesce("parent__name", "name"),
            F("parent_id").asc(nulls_first=True),
            "name",
        )
    )


class ChannelChoiceMixin:
    def label_from_instance(self, obj):
        if obj.parent_id:
            return _("%(parent)s › %(channel)s") % {"parent": obj.parent.name, "channel": obj.name}
        return obj.name


class ChannelMultipleChoiceField(ChannelChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class ChannelChoiceField(ChannelChoiceMixin, forms.ModelChoiceField):
    pass


class ProgramCodeForm(forms.ModelForm):
    """A model form for a program's record whose `code` is unique in the program.

    The program is not a form field, so Django's own unique check would skip
    the (program, code) constraint; this form checks it with a clear message.
    """

    duplicate_code_message = _("Another record of this program already has this code.")

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.instance.program = program

    def clean_code(self):
        code = self.cleaned_data["code"]
        others = type(self.instance).objects.filter(program=self.program, code__iexact=code)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(self.duplicate_code_message)
        return code


class AreaForm(ProgramCodeForm):
    duplicate_code_message = _("Another area of this program already has this code.")

    class Meta:
        model = Area
        fields = ["code", "name"]


class TeamForm(ProgramCodeForm):
    """Team leader and supervisor are chosen among the program's members with that role."""

    duplicate_code_message = _("Another team of this program already has this code.")

    class Meta:
        model = Team
        fields = ["code", "name", "area", "team_leader", "supervisor"]

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, program=program, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(program=program)
        self.fields["team_leader"].queryset = self._members(Role.TEAM_LEADER, "team_leader_id")
        self.fields["supervisor"].queryset = self._members(Role.SUPERVISOR, "supervisor_id")
        self.fields["team_leader"].help_text = _(
            "Members of the program with the role team leader."
        )
        self.fields["supervisor"].help_text = _("Members of the program with the role supervisor.")

    def _members(self, role, current_attr):
        # Keep the current choice even if that person has since left the role.
        current = getattr(self.instance, current_attr)
        return (
            User.objects.filter(
                Q(memberships__program=self.program, memberships__role=role) | Q(pk=current)
            )
            .distinct()
            .order_by("full_name", "email")
        )


class AgentForm(ProgramCodeForm):
    class Meta:
        model = Agent
        fields = [
            "employee_id",
            "name",
            "team",
            "area",
            "skills",
            "channels",
            "active_from",
            "active_to",
        ]
        field_classes = {"channels": ChannelMultipleChoiceField}
        widgets = {
            "channels": forms.CheckboxSelectMultiple,
            "active_from": DateInput(),
            "active_to": DateInput(),
        }
        help_texts = {
            "area": _("Blank: the area of the team."),
            "active_to": _("Set the last working day to deactivate the agent."),
        }

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, program=program, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(program=program).select_related("area")
        self.fields["area"].queryset = Area.objects.filter(program=program)
        self.fields["channels"].queryset = program_channels(program)

    def clean_employee_id(self):
        employee_id = self.cleaned_data["employee_id"].strip()
        others = Agent.objects.filter(program=self.program, employee_id=employee_id)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Another agent of this program already has this employee id.")
            )
        return employee_id

    def clean_skills(self):
        skills = self.cleaned_data["skills"]
        return ", ".join(s.strip() for s in skills.split(",") if s.strip())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("team") and not cleaned.get("area"):
            cleaned["area"] = cleaned["team"].area
            self.instance.area = cleaned["area"]
        return cleaned

    def save(self, commit=True):
        # The agent row and its channels are written together, or not at all.
        with transaction.atomic():
            return super().save(commit=commit)


class ChannelFilter(django_filters.ModelChoiceFilter):
    field_class = ChannelChoiceField


class AgentFilter(django_filters.FilterSet):
    """Search by name or employee id; filter by team, area, channel and activity."""

    ACTIVE_CHOICES = [("yes", _("Active today")), ("no", _("Not active today"))]

    q = django_filters.CharFilter(
        label=_("Name or employee id"), method="search", widget=forms.TextInput()
    )
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=Team.objects.none())
    area = django_filters.ModelChoiceFilter(label=_("Area"), queryset=Area.objects.none())
    channel = ChannelFilter(
        label=_("Channel"), field_name="channels", queryset=Channel.objects.none()
    )
    active = django_filters.ChoiceFilter(
        label=_("Active"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    class Meta:
        model = Agent
        fields = ["q", "team", "area", "channel", "active"]

    def __init__(self, *args, program, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.filters["team"].queryset = Team.objects.filter(program=program)
        self.filters["area"].queryset = Area.objects.filter(program=program)
        self.filters["channel"].queryset = program_channels(program)
        self.form.fields["q"].widget.attrs["placeholder"] = _("Name or employee id")

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(employee_id__icontains=value))

    def filter_active(self, queryset, name, value):
        active = active_on(self.today)
        return queryset.filter(active) if value == "yes" else queryset.exclude(active)


def active_on(day, prefix: str = "") -> Q:
    """Agents whose active range holds `day` (open ends count as active)."""
    starts = Q(**{f"{prefix}active_from__isnull": True}) | Q(**{f"{prefix}active_from__lte": day})
    ends = Q(**{f"{prefix}active_to__isnull": True}) | Q(**{f"{prefix}active_to__gte": day})
    return starts & ends


class AgentImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
        help_text=_("One row per agent, with the columns described below."),
    )
