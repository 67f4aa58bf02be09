"""Views of workshops, one module per page group."""
