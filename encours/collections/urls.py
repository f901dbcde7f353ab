from django.urls import path

from encours.collections import productivity_views, views

app_name = "collections"
urlpatterns = [
    path("collections/", views.worklist, name="worklist"),
    path("collections/customers/<int:pk>/call/", views.call_log, name="call"),
    path("collections/customers/<int:pk>/promise/", views.promise_record, name="promise"),
    path("collections/customers/<int:pk>/statement/send/", views.statement_send, name="statement_send"),
    path("collections/customers/<int:pk>/snooze/", views.snooze, name="snooze"),
    path("collections/customers/<int:pk>/statement.<str:fmt>", views.statement, name="statement"),
    path("collections/customers/<int:pk>/settings/", views.customer_settings, name="customer_settings"),
    path("collections/customers/<int:pk>/penalties/invoice/", views.penalties_invoice, name="penalties_invoice"),
    path("collections/customers/<int:pk>/panels/<str:kind>/", views.customer_panel, name="customer_panel"),
    path("collections/messages/<int:pk>/<str:kind>/", views.message_file, name="message_file"),
    path("collections/runs/", views.runs, name="runs"),
    path("collections/runs/<int:pk>/", views.run_detail, name="run"),
    path("collections/runs/<int:pk>/exclude/", views.run_exclude, name="run_exclude"),
    path("collections/runs/<int:pk>/execute/", views.run_execute, name="run_execute"),
    path("collections/runs/<int:pk>/job/", views.run_job, name="run_job"),
    path("collections/runs/<int:pk>/retry/", views.run_retry, name="run_retry"),
    path("collections/scenarios/", views.scenarios, name="scenarios"),
    path("collections/scenarios/<int:pk>/", views.scenario_edit, name="scenario"),
    path("collections/scenarios/<int:scenario_pk>/steps/new/", views.step_new, name="step_new"),
    path("collections/steps/<int:pk>/", views.step_edit, name="step"),
    path("collections/steps/<int:pk>/delete/", views.step_delete, name="step_delete"),
    path("collections/rates/", views.rates, name="rates"),
    path("collections/texts/", views.text_edit, name="texts"),
    path("collections/texts/versions/<int:pk>/restore/", views.text_restore, name="text_restore"),
    path("collections/productivity/", productivity_views.productivity, name="productivity"),
    path("collections/productivity.<str:fmt>", productivity_views.productivity_export, name="productivity_export"),
]
