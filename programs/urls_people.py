"""URLs of the people pages, included under /p/<code>/ by programs.urls."""

from django.urls import path

from programs.views import people

urlpatterns = [
    path("people/areas/", people.area_list, name="area_list"),
    path("people/areas/new/", people.area_create, name="area_create"),
    path("people/areas/<int:pk>/", people.area_edit, name="area_edit"),
    path("people/teams/", people.team_list, name="team_list"),
    path("people/teams/new/", people.team_create, name="team_create"),
    path("people/teams/<int:pk>/", people.team_edit, name="team_edit"),
    path("people/agents/", people.agent_list, name="agent_list"),
    path("people/agents/new/", people.agent_create, name="agent_create"),
    path("people/agents/<int:pk>/", people.agent_edit, name="agent_edit"),
    path("people/agents/<int:pk>/deactivate/", people.agent_deactivate, name="agent_deactivate"),
    path("people/import/", people.people_import, name="people_import"),
    path(
        "people/import/template.<str:fmt>",
        people.people_import_template,
        name="people_import_template",
    ),
]
