from django.urls import path

from followup import views

urlpatterns = [
    path("p/<str:code>/followup/defects/", views.defect_inbox, name="defect_inbox"),
    path(
        "p/<str:code>/followup/defects/<int:pk>/acknowledge/",
        views.defect_acknowledge,
        name="defect_acknowledge",
    ),
    path("p/<str:code>/followup/items/", views.follow_up_list, name="follow_up_list"),
    path("p/<str:code>/followup/items/<int:pk>/log/", views.follow_up_log, name="follow_up_log"),
    path(
        "p/<str:code>/followup/recap/<str:month>/",
        views.nonconformity_recap,
        name="nonconformity_recap",
    ),
]
