from django.urls import path

from .final_views import FinalSubmissionView
from .views import SubmissionDetailView, SubmissionListView

urlpatterns = [
    path("", SubmissionListView.as_view(), name="submission-list"),
    path("<int:submission_id>/", SubmissionDetailView.as_view(), name="submission-detail"),
    path("<int:submission_id>/final/", FinalSubmissionView.as_view(), name="submission-final"),
]
