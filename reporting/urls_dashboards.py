from django.urls import path

from reporting import views_dashboards as views

urlpatterns = [
    path("p/<str:code>/dashboard/", views.dashboard, name="dashboard"),
    path("p/<str:code>/reports/year/", views.yearly_summary, name="yearly_summary"),
    path("p/<str:code>/reports/year/xlsx/", views.yearly_summary_xlsx, name="yearly_summary_xlsx"),
]
