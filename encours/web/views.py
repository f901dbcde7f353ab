from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from encours.accounts.models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard when the reports app is installed, else the customer list; a department user's disputes."""
    if getattr(request.user, "role", "") == Role.DEPARTMENT and not request.user.is_admin:
        try:
            return redirect(reverse("disputes:mine"))
        except NoReverseMatch:
            pass
    try:
        return redirect(reverse("reports:dashboard"))
    except NoReverseMatch:
        return redirect("ledger:customers")
