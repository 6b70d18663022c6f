"""Date pickers carry ISO values in every language (the walkthrough found the
Indonesian rules form erasing the effective date: `<input type="date">` shows
nothing for 19-06-2019, and the empty field was saved)."""

import importlib
from datetime import date

import pytest
from django import forms
from django.utils import translation

FORM_MODULES = [
    "programs.forms.setup",
    "programs.forms.people",
    "programs.forms.library",
    "programs.forms.scorecards",
    "sampling.forms",
    "scoring.forms.form",
    "followup.forms.defects",
    "followup.forms.calibration",
    "reporting.forms",
]


def _form_classes():
    modules = [importlib.import_module(name) for name in FORM_MODULES]
    seen, todo = set(), [forms.Form, forms.ModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if any(c.__module__ == m.__name__ for m in modules)]


def _date_widgets():
    for cls in _form_classes():
        for name, field in getattr(cls, "base_fields", {}).items():
            widget = field.widget
            if isinstance(widget, forms.DateInput) and (
                widget.input_type == "date" or widget.attrs.get("type") == "date"
            ):
                yield f"{cls.__module__}.{cls.__name__}.{name}", widget


def test_the_project_has_date_pickers_to_check():
    assert len(list(_date_widgets())) >= 5


@pytest.mark.parametrize("language", ["en", "id"])
def test_every_date_picker_renders_an_iso_value(language):
    with translation.override(language):
        for where, widget in _date_widgets():
            html = widget.render("d", date(2019, 6, 19))
            assert 'value="2019-06-19"' in html, (where, html)
