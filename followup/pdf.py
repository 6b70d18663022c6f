"""The calibration session as a PDF (WeasyPrint, A4): the attendance list and
the minutes of meeting, the objective evidence PGD-4.8 asks for, headed with
the program's document code and revision and the session's date."""

from django.template.loader import render_to_string
from django.utils import timezone

from followup.selectors.calibration import SessionPage
from mysteryshop.pdf import html_to_pdf
from programs.models import Program


def session_pdf(program: Program, page: SessionPage) -> bytes:
    """Render the session's evidence (the same data as its page) to PDF bytes."""
    html = render_to_string(
        "followup/calibration/pdf.html",
        {
            "program": program,
            "page": page,
            "session": page.session,
            "printed_at": timezone.localtime(timezone.now(), program.zone),
        },
    )
    return html_to_pdf(html)
