from django import template

register = template.Library()


@register.filter
def vnd(value: int | None) -> str:
    """An amount in đồng with dot thousands separators: 1.250.000.000 ₫."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}".replace(",", ".") + " ₫"
