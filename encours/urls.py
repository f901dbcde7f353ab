from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from encours.api.urls import api
from encours.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("encours.ledger.urls")),
    path("", include("encours.reports.urls")),
    path("", include("encours.risk.urls")),
    path("", include("encours.insurance.urls")),
    path("", include("encours.collections.urls")),
    path("", include("encours.disputes.urls")),
    path("", include("encours.cash.urls")),
    path("", include("encours.forecast.urls")),
    path("", include("encours.sales.urls")),
]

handler403 = "encours.web.errors.forbidden"
handler404 = "encours.web.errors.not_found"
handler500 = "encours.web.errors.server_error"
