"""Forms of the contact data pages: the upload, reason resolution, mappings."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mysteryshop.uploads import SAMPLE_BYTES, FileRejected, sniff, xlsx_problem
from programs.models import ContactReason
from sampling.importer import XLSX_MAX_UNCOMPRESSED

MAX_UPLOAD_MB = 200


def last_month() -> date:
    today = timezone.localdate()
    return (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (input type=month), stored as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class ContactImportForm(forms.Form):
    month = MonthField(label=_("Month of the data"), help_text=_("Usually last month (N-1)."))
    file = forms.FileField(label=_("File (CSV or XLSX)"))

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.plan_in_use = None
        if self.is_bound:
            self.fields["replace_approved"] = forms.BooleanField(
                label=_("Import it anyway: the approved plan keeps the data it was made from."),
                required=False,
            )
        # Interpolated here, in the request's language (at import it froze in English).
        self.fields["file"].help_text = _(
            "One row per contact; see the columns below. Up to %(mb)s MB."
        ) % {"mb": MAX_UPLOAD_MB}

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > timezone.localdate().replace(day=1):
            raise forms.ValidationError(
                _("%(month)s has not begun yet: contact data is imported once its month is over.")
                % {"month": f"{month:%Y-%m}"}
            )
        return month

    def clean(self):
        cleaned = super().clean()
        month = cleaned.get("month")
        if self.program is None or month is None:
            return cleaned
        from sampling.selectors import plan_using_import

        self.plan_in_use = plan_using_import(self.program, month)
        if self.plan_in_use and not cleaned.get("replace_approved"):
            self.add_error(
                "replace_approved",
                _(
                    "The approved plan of %(plan)s was made from the %(month)s data imported "
                    "on %(date)s. A new import does not change that plan (it stays as "
                    "approved, with the data it was made from); only a new plan would use it. "
                    "Tick the box to import anyway."
                )
                % {
                    "plan": f"{self.plan_in_use.month:%Y-%m}",
                    "month": f"{month:%Y-%m}",
                    "date": f"{self.plan_in_use.contact_import.created_at:%Y-%m-%d}",
                },
            )
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_MB}
            )
        problem = upload_problem(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload


def upload_problem(upload) -> str:
    """Why an uploaded contact file is refused by its content ("" when it may be
    imported); the import reads the rest of it."""
    upload.seek(0)
    head = upload.read(SAMPLE_BYTES)
    upload.seek(0)
    try:
        kind = sniff(head)
    except FileRejected as exc:
        return exc.message
    if kind == "xlsx":
        return xlsx_problem(upload, max_uncompressed=XLSX_MAX_UNCOMPRESSED) or ""
    return ""


class ReasonMapForm(forms.Form):
    text = forms.CharField(widget=forms.HiddenInput, max_length=200)
    reason = forms.ModelChoiceField(label=_("Same as"), queryset=ContactReason.objects.none())

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = ContactReason.objects.filter(program=program)


class ImportMappingForm(forms.Form):
    """One choice per value of the file the program does not know: a known
    category, channel or area, a new category or area, or (channels) leaving
    the rows out.
    The suggestion is chosen already: one click maps all suggested."""

    def __init__(self, *args, unknowns, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.unknowns = unknowns
        for i, unknown in enumerate(unknowns):
            choices = [("", _("— choose —"))]
            choices += [(o.choice, o.label) for o in options[unknown.kind]]
            if unknown.kind == "category":
                choices.append(("add", _("Add it as a new category")))
            elif unknown.kind == "area":
                choices.append(("add", _("Add it as a new area")))
            else:
                choices.append(("ignore", _("Leave these rows out")))
            self.fields[f"map_{i}"] = forms.ChoiceField(
                label=unknown.value,
                choices=choices,
                initial=unknown.suggested,
                required=True,
                error_messages={
                    "required": _("Choose what “%(value)s” is, or leave its rows out.")
                    % {"value": unknown.value}
                },
            )

    def rows(self):
        """(unknown, bound field) pairs for the table."""
        return [(u, self[f"map_{i}"]) for i, u in enumerate(self.unknowns)]

    def choices(self):
        from sampling.services.mappings import MappingChoice

        return [
            MappingChoice(u.kind, u.value, u.qualifier, self.cleaned_data[f"map_{i}"])
            for i, u in enumerate(self.unknowns)
        ]
