"""Filters and sorting of the shop list and its export (django-filter)."""

import django_filters
from django import forms
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from programs.filters import MonthFilter
from programs.models import Agent, Channel, InteractionCategory, Program, Team, User
from programs.months import add_months
from scoring.models import Shop, ShopState

# ?sort= values the list accepts, each with its full, stable ordering.
SORTS = {
    "date": (F("planned_shop__date").asc(), F("planned_shop__slot__start").asc(), F("pk").asc()),
    "-date": (
        F("planned_shop__date").desc(),
        F("planned_shop__slot__start").desc(),
        F("pk").desc(),
    ),
    "score": (F("score").asc(nulls_last=True), F("pk").asc()),
    "-score": (F("score").desc(nulls_last=True), F("pk").desc()),
    "shopper": (F("shopper__full_name").asc(), F("planned_shop__date").asc(), F("pk").asc()),
    "-shopper": (F("shopper__full_name").desc(), F("planned_shop__date").asc(), F("pk").asc()),
    "agent": (F("agent__name").asc(nulls_last=True), F("planned_shop__date").asc(), F("pk").asc()),
    "-agent": (
        F("agent__name").desc(nulls_last=True),
        F("planned_shop__date").asc(),
        F("pk").asc(),
    ),
}
DEFAULT_SORT = "-date"
SORT_COLUMNS = ("date", "score", "shopper", "agent")


def sort_shops(shops: QuerySet[Shop], sort: str | None) -> QuerySet[Shop]:
    """Order by a whitelisted ?sort= value; anything else gives the default."""
    return shops.order_by(*SORTS.get(sort or "", SORTS[DEFAULT_SORT]))


class ShopFilter(django_filters.FilterSet):
    """What the shop list filters on (PGD-5.1.2): month, people, stratum, state, result.

    The choices offered are those present in `shops` (the shops the user may
    see), so a team leader is offered their own agents and teams.
    """

    month = MonthFilter(label=_("Month"), method="filter_month")
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=ShopState.choices, empty_label=_("All states")
    )
    shopper = django_filters.ModelChoiceFilter(
        label=_("Shopper"), queryset=User.objects.none(), empty_label=_("All shoppers")
    )
    agent = django_filters.ModelChoiceFilter(
        label=_("Agent"), queryset=Agent.objects.none(), empty_label=_("All agents")
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"),
        field_name="agent__team",
        queryset=Team.objects.none(),
        empty_label=_("All teams"),
    )
    channel = django_filters.ModelChoiceFilter(
        label=_("Channel"), queryset=Channel.objects.none(), empty_label=_("All channels")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        field_name="planned_shop__stratum__reason__category",
        queryset=InteractionCategory.objects.none(),
        empty_label=_("All categories"),
    )
    high_impact = django_filters.ChoiceFilter(
        label=_("High impact"),
        choices=[("yes", _("High impact only")), ("no", _("Not high impact"))],
        method="filter_high_impact",
        empty_label=_("Any"),
    )
    below_target = django_filters.BooleanFilter(
        label=_("Score below target"),
        method="filter_below_target",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Shop
        fields = []  # all declared above

    def __init__(self, data=None, queryset=None, *, program: Program, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.program = program
        visible = queryset if queryset is not None else Shop.objects.none()
        self.filters["shopper"].queryset = User.objects.filter(
            pk__in=visible.values("shopper")
        ).order_by("full_name", "email")
        self.filters["agent"].queryset = Agent.objects.filter(pk__in=visible.values("agent"))
        self.filters["team"].queryset = Team.objects.filter(pk__in=visible.values("agent__team"))
        self.filters["channel"].queryset = Channel.objects.filter(program=program)
        self.filters["category"].queryset = InteractionCategory.objects.filter(program=program)

    def filter_month(self, queryset, name, value):
        return queryset.filter(
            planned_shop__date__gte=value, planned_shop__date__lt=add_months(value, 1)
        )

    def filter_high_impact(self, queryset, name, value):
        return queryset.filter(high_impact=value == "yes")

    def filter_below_target(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(score__lt=self.program.target_score)
