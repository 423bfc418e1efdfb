"""The public help page (/help/): each partner organisation's contact details, how to get back
into an account, and the questions people ask most. No sign-in needed: it is where a person who
cannot sign in is sent."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from partners.documents import MAX_DOCUMENTS

from ..selectors import partners_for_help_page


@login_not_required
@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "partners/help.html",
        {"partners": partners_for_help_page(), "max_documents": MAX_DOCUMENTS},
    )
