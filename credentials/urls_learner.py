"""A learner's own credentials (/learn/credentials/...): learners only (others: 404)."""

from django.urls import path

from .views import learner_credentials, learner_references, wallet

app_name = "learner_credentials"

urlpatterns = [
    path("", learner_credentials.credential_list, name="list"),
    path("<int:pk>/visibility/", learner_credentials.credential_visibility, name="visibility"),
    # A credential into a wallet app over OpenID4VCI (decision 0026).
    path("<int:pk>/wallet-offer/", wallet.wallet_offer, name="wallet_offer"),
    # The learner's choice to give one provider their e-mail address (decision 0022).
    path(
        "providers/<int:provider_id>/share-email/",
        learner_references.share_email,
        name="share_email",
    ),
]
