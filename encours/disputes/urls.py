from django.urls import path

from encours.disputes import views

app_name = "disputes"
urlpatterns = [
    path("disputes/", views.dispute_list, name="list"),
    path("disputes/mine/", views.dispute_list, {"mine": True}, name="mine"),
    path("disputes/new/", views.dispute_create, name="create"),
    path("disputes/report/", views.report, name="report"),
    path("disputes/notifications/", views.notifications, name="notifications"),
    path("disputes/<int:pk>/", views.dispute_detail, name="detail"),
    path("disputes/<int:pk>/status/", views.dispute_transition, name="transition"),
    path("disputes/<int:pk>/comment/", views.dispute_comment, name="comment"),
    path("disputes/<int:pk>/assign/", views.dispute_assign, name="assign"),
    path("disputes/<int:pk>/attach/", views.dispute_attach, name="attach"),
    path("disputes/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]

from encours.disputes import committee_views  # noqa: E402

urlpatterns += [
    path("disputes/committees/", committee_views.committee_list, name="committees"),
    path("disputes/committees/<int:pk>/", committee_views.committee_detail, name="committee"),
    path("disputes/committees/<int:pk>/record/", committee_views.committee_record, name="committee_record"),
    path("disputes/committees/<int:pk>/sign/", committee_views.committee_sign, name="committee_sign"),
    path("disputes/committees/<int:pk>/pdf/", committee_views.committee_pdf, name="committee_pdf"),
    path("disputes/provisions/", committee_views.provision_list, name="provisions"),
    path("disputes/provisions/export.<str:fmt>", committee_views.provision_export, name="provisions_export"),
]
