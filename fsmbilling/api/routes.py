"""The organization API's routes; each app adds its viewsets here."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter(trailing_slash="/?")

urlpatterns = router.urls
