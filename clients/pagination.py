"""Paging shared by the staff list pages."""


class NearestPageMixin:
    """Show the nearest page for a page number out of range or mistyped.

    Django's ``ListView`` raises a 404 for such a number, but these links
    come from bookmarks and shared addresses, so the list is shown instead.
    """

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()
