from django.urls import path

from .views import CompetitionDetailView, CompetitionListView, GroundTruthUploadCompleteView, GroundTruthView

urlpatterns = [
    path("", CompetitionListView.as_view(), name="competition-list"),
    path("<slug:slug>/", CompetitionDetailView.as_view(), name="competition-detail"),
    path("<slug:slug>/ground-truth/", GroundTruthView.as_view(), name="competition-ground-truth"),
    path(
        "<slug:slug>/ground-truth/uploads/<int:upload_id>/complete/",
        GroundTruthUploadCompleteView.as_view(),
        name="competition-ground-truth-complete",
    ),
]
