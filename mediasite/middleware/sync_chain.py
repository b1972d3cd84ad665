"""The innermost middleware: sync-only, so that Django runs the whole chain in one thread under ASGI."""


class SyncChainMiddleware:
    """Make Django adapt the middleware chain to ASGI once, at its top, instead of at every hook.

    In an async chain each MiddlewareMixin hook (process_request, process_response, …) is a
    sync_to_async hop of its own: about 40 thread hand-offs a request, 7 of the 8 ms that /healthz
    took in daphne. Django adapts a chain at the first sync-only middleware it meets from the
    inside, and every view here is sync anyway.

    Upstream: Django ticket #37177 (per-middleware context switching under ASGI; its patch,
    django/django#21523, changes Django's own middleware). Delete this class once the Django we
    pin has it and /healthz in daphne no longer gains from it (bench/api.py prints the ceiling).
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
