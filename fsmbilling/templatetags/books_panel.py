"""``{% books_panel object %}``: the Books/Invoice info panel of a record (SYN-18), drawn by the sync app."""

from django import template
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

register = template.Library()


@register.simple_tag(takes_context=True)
def books_panel(context, obj):
    try:
        panel_context = import_string("sync.selectors.books_panel_context")
    except ImportError:
        return ""
    data = panel_context(obj)
    if data is None:
        return ""
    return render_to_string("sync/books_panel.html", {"panel": data, **context.flatten()})
