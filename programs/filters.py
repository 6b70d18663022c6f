"""Search and filters of the programs app's lists (django-filter)."""

import calendar
from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.forms.library import MonthField
from programs.models import (
    Channel,
    ContactReason,
    InteractionCategory,
    Program,
    Scenario,
    ScenarioSource,
)


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class ScenarioFilter(django_filters.FilterSet):
    """The scenario library's search box and filters (TLK-5.2.1.1)."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Title, script or answer")}
        ),
    )
    reason = django_filters.ModelChoiceFilter(
        label=_("Reason"), queryset=ContactReason.objects.none(), empty_label=_("All reasons")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        field_name="reason__category",
        queryset=InteractionCategory.objects.none(),
        empty_label=_("All categories"),
    )
    channel = django_filters.ModelChoiceFilter(
        label=_("Channel"), queryset=Channel.objects.none(), empty_label=_("All channels")
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=ScenarioSource.choices, empty_label=_("All sources")
    )
    active = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("yes", _("Active")), ("no", _("Inactive"))],
        method="filter_active",
        empty_label=_("Any status"),
    )
    month = MonthFilter(
        label=_("Usable in month"),
        method="filter_month",
        help_text=_("Active and valid in that month."),
    )

    class Meta:
        model = Scenario
        fields = []  # all declared above

    def __init__(self, data=None, queryset=None, *, program: Program, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["reason"].queryset = ContactReason.objects.filter(program=program)
        self.filters["category"].queryset = InteractionCategory.objects.filter(program=program)
        self.filters["channel"].queryset = Channel.objects.filter(program=program)

    def filter_search(self, queryset, name, value):
        # Every word must appear somewhere: in the title, the script or the answer.
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(customer_script__icontains=word)
                | Q(expected_answer__icontains=word)
            )
        return queryset

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "yes")

    def filter_month(self, queryset, name, value):
        # The same test as Scenario.is_valid_in(), in SQL: the validity months
        # (whatever day is stored) include the month starting on `value`.
        last_day = value + timedelta(days=calendar.monthrange(value.year, value.month)[1] - 1)
        return queryset.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=last_day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=value),
            is_active=True,
        )
