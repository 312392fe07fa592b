"""Thin converters between web frameworks and the sans-I/O core."""
