from django.urls import path

from encours.ledger import views

app_name = "ledger"
urlpatterns = [
    path("customers/", views.customer_list, name="customers"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path("customers/<int:pk>/block/", views.customer_block, name="customer_block"),
    path("blocks/<int:pk>/lift/", views.block_lift, name="block_lift"),
    path("imports/", views.imports, name="imports"),
    path("imports/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("imports/mappings/new/", views.mapping_edit, name="mapping_new"),
    path("imports/mappings/<int:pk>/", views.mapping_edit, name="mapping_edit"),
    path("imports/mappings/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
]
