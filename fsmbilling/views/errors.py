from django.http import HttpResponseServerError
from django.template import loader


def server_error(request):
    if request.path.startswith("/api/"):
        from fsmbilling.api.errors import server_error_json

        return server_error_json(request)
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", request=request))
    except Exception:  # noqa: BLE001 - the error page must never fail
        return HttpResponseServerError("Something went wrong on our side; it was logged.")
