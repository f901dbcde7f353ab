from django.urls import path

from encours.cash import views

app_name = "cash"
urlpatterns = [
    path("cash/", views.queue, name="queue"),
    path("cash/lines/<int:pk>/", views.line_detail, name="line"),
    path("cash/lines/<int:pk>/accept/<int:proposal_pk>/", views.accept, name="accept"),
    path("cash/lines/<int:pk>/split/", views.split, name="split"),
    path("cash/lines/<int:pk>/assign/", views.assign, name="assign"),
    path("cash/lines/<int:pk>/not-customer/", views.not_customer, name="not_customer"),
    path("cash/lines/<int:pk>/undo/", views.undo, name="undo"),
    path("cash/rematch/", views.rematch, name="rematch"),
    path("cash/statements/", views.statements, name="statements"),
    path("cash/statements/<int:pk>/", views.statement_detail, name="statement"),
    path("cash/imports/<int:pk>/", views.import_job, name="import_job"),
    path("cash/accounts/", views.accounts, name="accounts"),
    path("cash/accounts/<int:pk>/", views.accounts, name="account_edit"),
    path("cash/settings/", views.matching_settings, name="settings"),
    path("cash/export/", views.export, name="export"),
]
