from rest_framework.pagination import PageNumberPagination

from fsmbilling.pagination import DeferredJoinPaginator


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = DeferredJoinPaginator  # deep pages cost about the same as the first (REC-11)
