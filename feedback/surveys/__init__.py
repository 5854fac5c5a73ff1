"""Satisfaction surveys: the builder, rounds, emails, answers and results."""
