"""The API docs page (Swagger UI from drf-spectacular-sidecar) under the site's strict
Content-Security-Policy: the split view serves its start-up script as a separate
same-origin file, and templates/api_docs/swagger_ui.html takes the page's inline <style>
out to a static file, so the page needs no 'unsafe-inline'."""

from drf_spectacular.views import SpectacularSwaggerSplitView

swagger_view = SpectacularSwaggerSplitView.as_view(
    url_name="api-schema", template_name="api_docs/swagger_ui.html"
)
