"""The form of a high-impact customer case. It reads and checks what was typed;
followup.services.cases.case_log writes, and its messages come back to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from followup.models import CaseSource, CaseStatus
from programs.models import Agent, Program, Team
from scoring.models import Shop, ShopState


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker; its value is always ISO (YYYY-MM-DDTHH:MM)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _shop_label(shop: Shop) -> str:
    agent = shop.agent.name if shop.agent_id else _("agent not identified")
    flag = f" · {_('High impact')}" if shop.high_impact else ""
    return f"#{shop.planned_shop.number} · {shop.planned_shop.date:%Y-%m-%d} · {agent}{flag}"


class CaseForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("Happened on"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Date and time, in the program's time zone."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=CaseSource.choices)
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("The customer's complaint or post, and what management was told."),
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"),
        queryset=None,
        required=False,
        help_text=_("The agent concerned, if known; their team is recorded with them."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=None,
        required=False,
        help_text=_("Or the team concerned, when no single agent is."),
    )
    shop = forms.ModelChoiceField(
        label=_("Mystery shop"),
        queryset=None,
        required=False,
        help_text=_("Optional: a finalized mystery shop of this program the case is linked to."),
    )

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = (
            Agent.objects.filter(program=program).select_related("team").order_by("name", "pk")
        )
        self.fields["agent"].label_from_instance = lambda a: f"{a.name} ({a.employee_id})"
        self.fields["agent"].empty_label = _("None")
        self.fields["team"].queryset = Team.objects.filter(program=program).order_by("name")
        self.fields["team"].empty_label = _("None")
        shop = self.fields["shop"]
        shop.queryset = (
            Shop.objects.filter(program=program, state=ShopState.FINALIZED)
            .select_related("planned_shop", "agent")
            .order_by("-high_impact", "-planned_shop__date", "-pk")
        )
        shop.label_from_instance = _shop_label
        shop.empty_label = _("None")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("agent") and not cleaned.get("team") and "agent" not in self.errors:
            self.add_error("agent", _("Choose the agent or the team the case is about."))
        return cleaned


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *CaseStatus.choices],
        required=False,
    )
