"""Staff review pages (/staff/...): the queue, an application, decisions, documents.

Who may open them: staff (reviewers and coordinators) of the partner in the link; anyone else
gets 404.
"""

from django.urls import path

from .views import review

urlpatterns = [
    path("", review.staff_home, name="staff_home"),
    path("<slug:slug>/applications/", review.queue, name="queue"),
    path("<slug:slug>/applications/<int:pk>/", review.application_detail, name="application"),
    path("<slug:slug>/applications/<int:pk>/decide/", review.decide, name="decide"),
    path("<slug:slug>/documents/<int:pk>/", review.document_download, name="document_download"),
]
