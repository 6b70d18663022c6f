"""Forms of the review pages: pass on, return, finalize, correct, dispute, resolve.

The writes themselves are services (scoring.services); these forms only read
and check what was typed, and carry the services' messages back to the fields.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from scoring.selectors import DisputeView, ShopRecord, answer_choices, is_not_met
from scoring.services import AnswerInput


def add_service_errors(
    form: forms.Form, exc: ValidationError, fields: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: keyed messages next to their
    field (renamed by `fields`), the rest at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        name = (fields or {}).get(key, key)
        form.add_error(name if name in form.fields else None, messages)


def _comment(label, *, required: bool, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ForwardForm(forms.Form):
    comment = _comment(_("Comment for the QC analyst (optional)"), required=False)


class ReturnForm(forms.Form):
    comment = _comment(
        _("What should the shopper correct?"),
        required=True,
        help_text=_("The shopper sees this comment on their form."),
    )

    def clean_comment(self):
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise ValidationError(_("Say what the shopper should correct."))
        return comment


class FinalizeForm(forms.Form):
    comment = _comment(_("Comment (optional)"), required=False)


class ReviseForm(forms.Form):
    """The reason of a correction; the answers come from the MS form inputs."""

    reason = _comment(
        _("Why is the finalized shop corrected?"),
        required=True,
        help_text=_("Kept with the revision, next to what changed."),
    )


class DisputeForm(forms.Form):
    parameter = forms.TypedChoiceField(label=_("Parameter"), coerce=int)
    reason = _comment(_("Why do you dispute it?"), required=True)

    def __init__(self, *args, record: ShopRecord, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parameter"].choices = [("", "---------"), *record.parameter_choices()]


KEEP, CHANGE = "keep", "change"


class ResolveForm(forms.Form):
    """The analyst's decision on one dispute: keep the score, or change the
    answer (a revision) — with the reason either way."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(KEEP, _("Keep the score")), (CHANGE, _("Change the answer"))],
        widget=forms.RadioSelect,
    )
    value = forms.ChoiceField(label=_("New answer"), required=False)
    nonconformity = _comment(_("Nonconformity"), required=False)
    correct_solution = _comment(_("Correct solution"), required=False)
    comment = _comment(_("Explain the decision"), required=True)

    def __init__(self, *args, dispute: DisputeView, binary: bool, current: str, **kwargs):
        kwargs.setdefault("prefix", f"resolve-{dispute.dispute.pk}")
        super().__init__(*args, **kwargs)
        self.parameter = dispute.parameter
        self.current = current
        choices = answer_choices(self.parameter, binary) if self.parameter else []
        self.fields["value"].choices = [("", "---------"), *choices]

    def clean(self):
        data = super().clean()
        if data.get("decision") != CHANGE:
            return data
        value = data.get("value")
        if not value:
            self.add_error("value", _("Give the new answer."))
        elif value == self.current:
            self.add_error(
                "value", _("This is the answer already given: choose another or keep the score.")
            )
        elif self.parameter and is_not_met(self.parameter, value):
            if not data.get("nonconformity", "").strip():
                self.add_error("nonconformity", _("Describe the nonconformity."))
            if not data.get("correct_solution", "").strip():
                self.add_error("correct_solution", _("Give the correct solution."))
        return data

    @property
    def keep(self) -> bool:
        return self.cleaned_data["decision"] == KEEP

    def new_answer(self) -> AnswerInput | None:
        if self.keep:
            return None
        return AnswerInput(
            self.cleaned_data["value"],
            self.cleaned_data["nonconformity"].strip(),
            self.cleaned_data["correct_solution"].strip(),
        )


# The service's keys for one parameter's answer, as ResolveForm names them.
RESOLVE_FIELDS = {"value": "value", "comment": "comment"}


def resolve_field_names(parameter_id: int) -> dict[str, str]:
    return {
        **RESOLVE_FIELDS,
        f"answer-{parameter_id}": "value",
        f"nonconformity-{parameter_id}": "nonconformity",
        f"correct_solution-{parameter_id}": "correct_solution",
    }


def posted_answers(data, record: ShopRecord) -> dict[int, AnswerInput]:
    """The MS form's answers in a POST (inputs answer-<id>, nonconformity-<id>,
    correct_solution-<id>) for every parameter of the shop's scorecard."""
    answers = {}
    for pk in record.parameters:
        value = data.get(f"answer-{pk}", "").strip()
        not_met = is_not_met(record.parameters[pk], value)
        answers[pk] = AnswerInput(
            value,
            data.get(f"nonconformity-{pk}", "").strip() if not_met else "",
            data.get(f"correct_solution-{pk}", "").strip() if not_met else "",
        )
    return answers


def changed_answers(answers: dict[int, AnswerInput], record: ShopRecord) -> dict[int, AnswerInput]:
    """The answers that differ from what the shop holds now."""
    changed = {}
    for pk, given in answers.items():
        now = record.answers.get(pk, {})
        value = now.get("answer", "")
        # The notes of a met answer are not shown, so they are not compared.
        notes = is_not_met(record.parameters[pk], value)
        held = AnswerInput(
            value,
            now.get("nonconformity", "") if notes else "",
            now.get("correct_solution", "") if notes else "",
        )
        if given != held:
            changed[pk] = given
    return changed
