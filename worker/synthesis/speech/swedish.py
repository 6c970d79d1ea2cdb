"""Swedish: numbers and percentages only, for now."""

from worker.synthesis.speech.core import generic_reader

read = generic_reader("sv")
