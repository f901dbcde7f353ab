from django.urls import path

from encours.insurance import views

app_name = "insurance"
urlpatterns = [
    path("insurance/", views.portfolio, name="portfolio"),
    path("insurance/buyers/<int:pk>/", views.buyer, name="buyer"),
    path("insurance/buyers/<int:pk>/declare/", views.declare, name="declare"),
    path("insurance/import/", views.decision_import, name="import"),
    path("insurance/import/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("insurance/requests/", views.cover_requests, name="requests"),
    path("insurance/requests/<int:pk>/", views.cover_request_action, name="request_action"),
    path("insurance/requests/<int:pk>/export.csv", views.cover_request_export, name="request_export"),
    path("insurance/requests/<int:pk>/request.pdf", views.cover_request_pdf, name="request_pdf"),
    path("insurance/declarations/", views.declarations, name="declarations"),
    path("insurance/declarations/<int:pk>/claim/", views.claim_open, name="claim_open"),
    path("insurance/claims/", views.claims, name="claims"),
    path("insurance/claims/<int:pk>/payment/", views.claim_money, {"kind": "payment"}, name="claim_payment"),
    path("insurance/claims/<int:pk>/recovery/", views.claim_money, {"kind": "recovery"}, name="claim_recovery"),
    path("insurance/premiums/", views.premiums, name="premiums"),
    path("insurance/premiums/declare/", views.premium_declare, name="premium_declare"),
    path("insurance/factoring/", views.factoring, name="factoring"),
    path("insurance/factoring/<int:pk>/draw/", views.factoring_action, {"action": "draw"}, name="factoring_draw"),
    path(
        "insurance/factoring/<int:pk>/returns/", views.factoring_action, {"action": "returns"}, name="factoring_returns"
    ),
    path("insurance/factoring/<int:pk>/bordereau/new/", views.bordereau_new, name="bordereau_new"),
    path("insurance/bordereaux/<int:pk>/", views.bordereau, name="bordereau"),
    path("insurance/bordereaux/<int:pk>/export.csv", views.bordereau_export, name="bordereau_csv"),
]
