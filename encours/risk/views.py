from django.http import HttpRequest, HttpResponse


def portfolio(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def customer_risk(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("")
