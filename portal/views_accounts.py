"""allauth's account pages, where the portal must change what they show."""

from allauth.account.views import EmailView as AllauthEmailView

from .accounts import account_placeholder_addresses_forget


class EmailView(AllauthEmailView):
    """The e-mail addresses page without the placeholder address of an account that has none
    (phone sign-up, in-person registration): allauth adds a row for `user.email` whenever the
    page is opened; the row goes again before anything reads it, so it is never listed nor can
    it be chosen, removed or sent a confirmation."""

    def post(self, request, *args, **kwargs):
        account_placeholder_addresses_forget(user=request.user)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        account_placeholder_addresses_forget(user=self.request.user)
        return super().get_context_data(**kwargs)


email = EmailView.as_view()
