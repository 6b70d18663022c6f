from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from programs.access import get_program_for, programs_for


@login_required
def home(request):
    """The user's programs and their roles in each."""
    return render(request, "programs/home.html", {"programs": programs_for(request.user)})


@login_required
def program_detail(request, code):
    """A program's landing page: its rules at a glance and the user's roles."""
    program = get_program_for(request.user, code)
    return render(request, "programs/program_detail.html", {"program": program})
