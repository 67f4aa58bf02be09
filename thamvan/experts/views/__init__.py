"""Views of the expert registry, one module per page group."""
