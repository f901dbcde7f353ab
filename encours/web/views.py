from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard when the reports app is installed, else the customer list."""
    try:
        return redirect(reverse("reports:dashboard"))
    except NoReverseMatch:
        return redirect("ledger:customers")
