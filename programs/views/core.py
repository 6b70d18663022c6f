from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from programs.access import get_program_for, programs_for
from programs.models import Membership, Role, TimeSlot


@login_required
def home(request):
    """The user's programs and their roles in each."""
    programs = programs_for(request.user)
    can_create = any(Role.MANAGER in entry.roles for entry in programs)
    return render(
        request, "programs/home.html", {"programs": programs, "can_create_program": can_create}
    )


@login_required
def program_detail(request, code):
    """A program's landing page: its rules at a glance, its people by RACI."""
    program = get_program_for(request.user, code)
    slots = list(TimeSlot.objects.filter(program=program).select_related("band"))
    memberships = list(
        Membership.objects.filter(program=program).select_related("user").order_by("role")
    )
    return render(
        request,
        "programs/program_detail.html",
        {"program": program, "slots": slots, "memberships": memberships},
    )
