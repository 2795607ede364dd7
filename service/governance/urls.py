from django.urls import path

from .views import AuditLogView, RoleBindingDetailView, RoleBindingListView

urlpatterns = [
    path("role-bindings/", RoleBindingListView.as_view(), name="rolebinding-list"),
    path("role-bindings/<int:binding_id>/", RoleBindingDetailView.as_view(), name="rolebinding-detail"),
    path("audit-log/", AuditLogView.as_view(), name="audit-log"),
]
